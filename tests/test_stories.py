"""Story clustering against a real SQLite store: which copies join, which stay apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.models import Article
from monitor.normalize import content_hash
from monitor.store import Store
from monitor.stories import (
    BandIndex,
    StoryAssignment,
    StoryIndex,
    containment,
    minhash_values,
    shingle_hashes,
)

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)

WIRE = """\
ANKARA (Wire) - A magnitude 6.1 earthquake struck eastern Turkey early on Tuesday, damaging
dozens of buildings in the province of Malatya and sending frightened residents into the
streets in freezing temperatures, the country's disaster agency said.

The quake hit at 4:17 a.m. local time at a depth of about ten kilometres, according to the
Disaster and Emergency Management Authority, known as AFAD. It was followed by more than forty
aftershocks, the strongest of them measuring 4.8.

"Search and rescue teams have been sent to all affected villages and we are checking every
damaged structure," Interior Minister Ali Yerlikaya told reporters at the agency's headquarters.

At least twenty-three people were treated in hospital for injuries, most of them sustained
while fleeing their homes, the regional health directorate said. No deaths had been reported
by midday.

Schools in Malatya and the neighbouring province of Elazig will remain closed for the rest of
the week while engineers inspect their buildings, the provincial governor's office announced.

The region was among those devastated by two powerful earthquakes in February 2023 that killed
more than fifty thousand people in Turkey and thousands more in neighbouring Syria. Many families
are still living in container cities built after that disaster.
"""

# The same event reported independently: same names, places, numbers and one shared quote.
OTHER_REPORT = """\
MALATYA - Residents of Malatya spent Tuesday morning outdoors wrapped in blankets after a strong
earthquake shook eastern Turkey before dawn, reviving memories of the catastrophe of 2023.

"Search and rescue teams have been sent to all affected villages," Interior Minister Ali
Yerlikaya said, adding that his ministry had set up tents for families afraid to go home.

Shopkeeper Mehmet Kaya said the shaking lasted long enough for him to grab his children and run
down four flights of stairs. "The walls were cracking around us. We did not wait for anything,"
he said, standing beside a bakery whose front window had shattered across the pavement.

Television footage showed a collapsed minaret in the district of Yesilyurt and several older
houses with partly fallen roofs. Officials at AFAD said that engineers had begun assessing more
than two hundred buildings for structural damage across the province.

Malatya's governor said electricity had been restored to most neighbourhoods by the afternoon
and that bread and water were being handed out at the city stadium. Classes in the province were
suspended while inspections continue.

Seismologists in Istanbul said the quake occurred on a branch of the East Anatolian Fault, the
same system that produced the deadly earthquakes of February 2023.
"""

LOCAL_INTRO = """\
Families in our city with relatives in eastern Turkey spent the morning trying to reach them by
phone, the local Turkish community association said, and a collection point for blankets has
been opened at the community centre on Station Road.
"""
LOCAL_CLOSING = """\
The association said anyone wishing to help should contact its office on weekdays between nine
and five; donations of money rather than goods are preferred, its chairman said.
"""


class Desk:
    """A store plus helpers to save articles the way the collect half does."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.store = Store.open(path)
        self.count = 0

    def save(
        self, source: str, text: str, title: str = "Quake hits eastern Turkey", url: str = ""
    ) -> Article:
        self.count += 1
        url = url or f"https://{source}.example/news/{self.count}"
        article = Article(
            source=source, url=url, title=title, text=text, content_hash=content_hash(title, text)
        )
        result = self.store.articles.save(article, now=NOW)
        article.id = result.article_id
        return article

    def reopen(self) -> Store:
        self.store.close()
        self.store = Store.open(self.path)
        return self.store


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk(tmp_path / "newsradar.db")


def assign(index: StoryIndex, article: Article, now: datetime = NOW) -> StoryAssignment:
    return index.assign(article, now=now)


def test_same_page_under_different_urls_joins_one_story(desk: Desk) -> None:
    index = StoryIndex.load(desk.store, now=NOW)
    first = assign(index, desk.save("agency", WIRE, url="https://agency.example/quake?guid=1"))
    again = assign(index, desk.save("agency", WIRE, url="https://agency.example/quake?guid=2"))

    assert first.is_new_story
    assert not again.is_new_story
    assert again.story_id == first.story_id
    assert again.containment == 1.0


def test_wire_copy_on_several_outlets_is_one_story_with_all_outlets(desk: Desk) -> None:
    index = StoryIndex.load(desk.store, now=NOW)
    first = assign(index, desk.save("agency", WIRE))
    # Outlets re-flow the text, swap the dateline and typography: still the same copy.
    second = assign(index, desk.save("daily", WIRE.replace("\n", " ").replace('"', "\u201c")))
    third = assign(
        index, desk.save("herald", WIRE.replace("ANKARA (Wire) -", "ANKARA, March 3 (Herald) -"))
    )

    assert {second.story_id, third.story_id} == {first.story_id}
    story = desk.store.stories.get(first.story_id)
    assert story is not None
    assert story.outlets == ("agency", "daily", "herald")
    assert story.article_count == 3


def test_republished_with_new_headline_joins(desk: Desk) -> None:
    index = StoryIndex.load(desk.store, now=NOW)
    first = assign(index, desk.save("agency", WIRE, title="Quake hits eastern Turkey"))
    later = assign(
        index, desk.save("tabloid", WIRE, title="TERROR AT DAWN: buildings shake in Malatya")
    )

    assert later.story_id == first.story_id


def test_copy_with_local_intro_and_closing_paragraph_joins(desk: Desk) -> None:
    index = StoryIndex.load(desk.store, now=NOW)
    first = assign(index, desk.save("agency", WIRE))
    local = assign(index, desk.save("local", LOCAL_INTRO + WIRE + LOCAL_CLOSING))
    trimmed = assign(index, desk.save("brief", WIRE.rsplit("\n\n", 2)[0]))  # last paragraphs cut

    assert local.story_id == first.story_id
    assert local.duplicate_of is not None
    assert local.containment >= 0.95
    assert trimmed.story_id == first.story_id


def test_article_updated_in_place_stays_in_its_story(desk: Desk) -> None:
    index = StoryIndex.load(desk.store, now=NOW)
    url = "https://agency.example/quake"
    first = assign(index, desk.save("agency", WIRE, url=url))
    updated = WIRE.replace("No deaths had been reported by midday.", "One woman died in hospital.")
    updated += "\nThis story has been updated with the death toll and a new headline.\n"
    article = desk.save("agency", updated, title="Quake in eastern Turkey kills one", url=url)

    again = assign(index, article)

    assert again.story_id == first.story_id
    assert not again.is_new_story
    story = desk.store.stories.get(first.story_id)
    assert story is not None and story.article_count == 1


def test_distinct_reports_on_the_same_event_stay_distinct(desk: Desk) -> None:
    index = StoryIndex.load(desk.store, now=NOW)
    first = assign(index, desk.save("agency", WIRE))
    other = assign(index, desk.save("paper", OTHER_REPORT))

    assert other.is_new_story
    assert other.story_id != first.story_id
    inside, _shared = containment(shingle_hashes(WIRE), shingle_hashes(OTHER_REPORT))
    assert inside < 0.2  # far from the 0.8 bar despite the shared names and quote


def test_digest_of_briefs_does_not_chain_unrelated_briefs(desk: Desk) -> None:
    brief_a = WIRE.split("\n\n")[0] + " " + WIRE.split("\n\n")[1]
    brief_b = OTHER_REPORT.split("\n\n")[2] + " " + OTHER_REPORT.split("\n\n")[3]
    brief_c = LOCAL_INTRO + LOCAL_CLOSING
    index = StoryIndex.load(desk.store, now=NOW)

    a = assign(index, desk.save("agency", brief_a))
    digest = assign(index, desk.save("roundup", "\n\n".join([brief_a, brief_b, brief_c])))
    b = assign(index, desk.save("paper", brief_b))

    assert digest.story_id != a.story_id
    assert b.story_id not in {a.story_id, digest.story_id}


def test_index_rebuilt_after_restart_still_joins(desk: Desk) -> None:
    first = assign(StoryIndex.load(desk.store, now=NOW), desk.save("agency", WIRE))

    store = desk.reopen()
    index = StoryIndex.load(store, now=NOW + timedelta(hours=5))
    assert len(index) == 1
    copy = desk.save("local", LOCAL_INTRO + WIRE)
    later = index.assign(copy, now=NOW + timedelta(hours=5))

    assert later.story_id == first.story_id


def test_window_is_respected_on_load_and_while_running(desk: Desk) -> None:
    week = timedelta(days=7)
    old = assign(StoryIndex.load(desk.store, window=week, now=NOW), desk.save("agency", WIRE))

    # Reloaded eight days later: the old signature is outside the window.
    late = NOW + timedelta(days=8)
    index = StoryIndex.load(desk.store, window=week, now=late)
    assert len(index) == 0
    assert index.assign(desk.save("daily", WIRE), now=late).story_id != old.story_id

    # A running index forgets entries as they age out; within the window they still join.
    running = StoryIndex.load(desk.store, window=week, now=late)
    first = running.assign(desk.save("x", OTHER_REPORT), now=late)
    inside = running.assign(desk.save("y", OTHER_REPORT), now=late + timedelta(days=6))
    outside = running.assign(desk.save("z", OTHER_REPORT), now=late + timedelta(days=14))
    assert inside.story_id == first.story_id
    assert outside.story_id != first.story_id


def test_short_texts_join_only_on_an_exact_match(desk: Desk) -> None:
    index = StoryIndex.load(desk.store, now=NOW)
    title = "Magnitude 6.1 earthquake strikes eastern Turkey"
    a = assign(index, desk.save("feed-a", "", title=title))
    b = assign(index, desk.save("feed-b", "", title=title.upper() + "!"))
    c = assign(
        index, desk.save("feed-c", "", title="Magnitude 5.2 earthquake strikes western Turkey")
    )
    d = assign(index, desk.save("feed-d", WIRE, title=title))  # the full copy: not "the same"
    empty1 = assign(index, desk.save("feed-e", "", title=""))
    empty2 = assign(index, desk.save("feed-f", "", title=""))

    assert b.story_id == a.story_id
    assert c.story_id != a.story_id
    assert d.story_id != a.story_id
    assert empty1.story_id != empty2.story_id  # nothing to compare: never merged


def test_assign_needs_a_stored_article(desk: Desk) -> None:
    index = StoryIndex.load(desk.store, now=NOW)
    with pytest.raises(ValueError):
        index.assign(Article(source="s", url="https://x.example/", title="t", text="x"))


def test_signatures_from_other_minhash_settings_are_recomputed_on_load(desk: Desk) -> None:
    first = assign(StoryIndex.load(desk.store, now=NOW), desk.save("agency", WIRE))
    # As if written when the index used 64 permutations: wrong length, wrong values.
    desk.store.db.execute("UPDATE signatures SET minhash = ?", [bytes(range(256))])

    index = StoryIndex.load(desk.reopen(), now=NOW)
    later = index.assign(desk.save("local", LOCAL_INTRO + WIRE), now=NOW)

    assert later.story_id == first.story_id


CHINESE = (
    "中国国家地震台网正式测定，今天凌晨四时在土耳其东部发生六点一级地震，震源深度十公里。"
    "当地灾害管理部门表示，已有数十栋建筑受损，救援队伍已经赶赴所有受影响的村庄。"
    "地区卫生部门说，至少二十三人因伤入院治疗，其中大多数是在逃离家园时受伤的，目前尚无死亡报告。"
    "马拉蒂亚省和邻近省份的学校本周将停课，工程师将对校舍进行安全检查。"
)


def test_copies_in_scripts_without_spaces_join(desk: Desk) -> None:
    index = StoryIndex.load(desk.store, now=NOW)
    first = assign(index, desk.save("xinhua", CHINESE, title="土耳其东部发生地震"))
    copy = assign(index, desk.save("portal", "本网讯：" + CHINESE + "（完）", title="土耳其地震"))
    other = assign(index, desk.save("paper", CHINESE[::-1], title="另一篇报道"))

    assert copy.story_id == first.story_id
    assert other.story_id != first.story_id


def test_band_index_proposes_articles_sharing_a_band_and_forgets_removed_ones() -> None:
    bands = BandIndex(24, 2)
    text = shingle_hashes(WIRE)
    near = shingle_hashes(LOCAL_INTRO + WIRE)
    far = shingle_hashes(OTHER_REPORT)
    bands.insert(1, minhash_values(text))
    bands.insert(2, minhash_values(far))

    assert 1 in bands.query(minhash_values(near))
    bands.remove(1, minhash_values(text))
    assert 1 not in bands.query(minhash_values(near))
    assert bands.query(minhash_values(far)) == {2}
