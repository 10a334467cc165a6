"""Entity expansion: a query term naming an entity matches the entity's name or any alias.

A term names an entity when its folded, singular words equal the entity name's ("turkey",
"Turkey" and "turkeys" all name ``Turkey``). An alias that itself names another entity
expands too, so the weapon class ``missile`` can list ``ballistic missile``, which lists
``ICBM``.

Aliases with capitals are case-sensitive (see :mod:`monitor.rules.casing`) unless the entity
says ``case_sensitive: false``. Other terms match in any case, except a term written exactly
like a case-sensitive alias (``ICBM``, ``Turkish``), which keeps that alias's case rule; prefix
terms always match in any case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from monitor.models import Entity
from monitor.rules.casing import Requirements, requirements
from monitor.rules.nodes import Term
from monitor.rules.textnorm import fold_word, phrase_inflections, stem, words


@dataclass(frozen=True)
class Variant:
    """One concrete pattern a term can match in folded text."""

    words: tuple[str, ...]  # folded word tokens
    prefix: bool = False  # last word is a prefix
    reqs: Requirements | None = None  # case requirements per word, None = any case


def _key(folded: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(map(stem, folded))


class EntityIndex:
    """Entities by folded, singular name, expanding terms into the variants they match."""

    def __init__(self, entities: Mapping[str, Entity]) -> None:
        self._by_key: dict[tuple[str, ...], Entity] = {}
        # aliases as written -> their case requirements, for terms written like an alias
        self._spellings: dict[tuple[str, ...], Requirements] = {}
        for name, entity in entities.items():
            key = _key([fold_word(w) for w in words(name)])
            if key:
                self._by_key[key] = entity
            if entity.case_sensitive is not False:
                for alias in entity.aliases:
                    original = tuple(words(alias))
                    reqs = requirements(list(original))
                    if reqs is not None:
                        self._spellings[original] = reqs

    def lookup(self, folded: tuple[str, ...]) -> Entity | None:
        return self._by_key.get(_key(folded))

    def variants(self, term: Term) -> tuple[Variant, ...]:
        """Every variant ``term`` matches (plural forms included); case-free variants win."""
        if term.prefix:
            return (Variant(term.words, prefix=True),)
        entity = self.lookup(term.words)
        if entity is None:
            # A term written exactly like a case-sensitive alias ("ICBM", "Turkish") is that
            # proper noun or acronym, with its case rule; written otherwise it is a word.
            reqs = self._spellings.get(tuple(words(term.text)))
            return tuple(Variant(form, reqs=reqs) for form in phrase_inflections(term.words))
        collected: dict[tuple[str, ...], set[Requirements | None]] = {}
        self._expand(entity, collected, set())
        result = []
        for key, reqs_set in collected.items():
            if None in reqs_set:
                result.append(Variant(key))
            else:
                result.extend(Variant(key, reqs=r) for r in sorted(reqs_set, key=str))
        return tuple(result)

    def _expand(
        self,
        entity: Entity,
        collected: dict[tuple[str, ...], set[Requirements | None]],
        seen: set[str],
    ) -> None:
        if entity.name in seen:
            return
        seen.add(entity.name)
        for alias in (entity.name, *entity.aliases):
            original = words(alias)
            folded = tuple(fold_word(w) for w in original)
            if not folded:
                continue
            reqs = None if entity.case_sensitive is False else requirements(original)
            for form in phrase_inflections(folded):
                collected.setdefault(form, set()).add(reqs)
            nested = self._by_key.get(_key(folded))
            if nested is not None and nested.name not in seen:
                self._expand(nested, collected, seen)
