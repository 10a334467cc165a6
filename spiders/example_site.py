"""An example site spider: the press releases of the (fictional) Ministry of Examples.

It runs against the fixture site in ``tests/data/site/`` and is the template for writing your
own: copy it, point the selectors at your site, and name it in ``newsradar.yaml``::

    sources:
      - name: ministry
        spider: example_site
        url: https://ministry.example/index.html
"""

from __future__ import annotations

from spiders.listing import ListingSpider


class ExampleSiteSpider(ListingSpider):
    name = "example_site"
    # The listing's article links only: not the menu, not the "Most read" box.
    article_links = "main ul.releases a::attr(href)"
    # Only the article body: byline, share buttons and page chrome stay out of the text.
    title_css = "article h1::text"
    text_css = "article div.body p"
    published_css = "article time::attr(datetime)"
    author_css = "article .byline a::text"
