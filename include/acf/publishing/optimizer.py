"""ContentOptimizer: one content piece -> the package each platform receives.

Every limit comes from the platform rules (platform_rules.yaml); every text field
is fitted with :mod:`acf.publishing.text_fit`, so a package is never rejected for
length and never carries a broken word, emoji or UTF-8 sequence.
"""
from __future__ import annotations

import dataclasses

from acf import platform_rules
from acf.publishing import disclosure
from acf.publishing.errors import NotPublishableError
from acf.publishing.models import ContentSource, PlatformPackage, RenditionRef
from acf.publishing.text_fit import compose, fit, fit_list, hashtag, measure, unique
from acf.text.evidence import honest_title

MAX_SOURCES = 6          # links listed under "Sources:"
SOURCES_SHARE = 0.5      # of a description's limit the sources may take, at most


def timestamp(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ContentOptimizer:
    def __init__(self, rules: dict | None = None):
        self.rules = rules or platform_rules.all_rules()

    # How each platform's package is built, named by its rules' ``packager``.
    PACKAGERS = ("youtube", "tiktok", "instagram", "facebook", "caption")

    def package(self, source: ContentSource, platform: str) -> PlatformPackage:
        if platform not in self.rules:
            raise platform_rules.UnknownPlatformError(f"unknown platform {platform!r}")
        rule = self.rules[platform]
        packager = rule.get("packager", "caption")
        if packager not in self.PACKAGERS:
            raise platform_rules.UnknownPlatformError(
                f"{platform}: packager {packager!r} is not one of {', '.join(self.PACKAGERS)}")
        if source.renditions:   # no title promises a length the video does not have
            length = max(r.duration_seconds for r in source.renditions)
            source = dataclasses.replace(source, title=honest_title(source.title, length))
        return getattr(self, f"_{packager}")(source, platform, rule)

    def packages(self, source: ContentSource) -> tuple[list[PlatformPackage], list[tuple[str, str]]]:
        """Packages for every platform of the piece, plus (platform, reason) for those it cannot go to."""
        made, refused = [], []
        for platform in source.platforms:
            try:
                made.append(self.package(source, platform))
            except (NotPublishableError, platform_rules.UnknownPlatformError) as exc:
                refused.append((platform, str(exc)))
        return made, refused

    # --- shared pieces ---------------------------------------------------
    @staticmethod
    def _pick(source: ContentSource, aspects: list[str], min_s: float = 0, max_s: float | None = None) -> RenditionRef | None:
        for aspect in aspects:
            for rendition in source.renditions:
                if rendition.aspect != aspect or rendition.duration_seconds < min_s:
                    continue
                if max_s is not None and rendition.duration_seconds > max_s:
                    continue
                return rendition
        return None

    @staticmethod
    def _hook(source: ContentSource) -> str:
        return (source.script or {}).get("hook") or ""

    @staticmethod
    def _cta(source: ContentSource) -> str:
        return (source.script or {}).get("call_to_action") or ""

    @staticmethod
    def _hashtags(source: ContentSource, max_count: int, extra: list[str] = ()) -> list[str]:
        terms = [source.term, *extra, *source.keywords, source.category]
        tags = unique([hashtag(t) for t in terms if t])
        return [t for t in tags if len(t) > 1][:max_count]

    @staticmethod
    def _base(source: ContentSource, platform: str, title: str, description: str, tags: list[str],
              rendition: RenditionRef, **extra) -> PlatformPackage:
        return PlatformPackage(
            content_id=source.content_id, platform=platform, title=title, description=description,
            tags=tags, rendition_key=rendition.object_key, thumbnail_key=source.thumbnail_key,
            aspect=rendition.aspect,
            extra={"duration_seconds": rendition.duration_seconds, "language": source.language,
                   "ai_generated": disclosure.declares_ai(source.media_providers, source.ai_disclosure), **extra},
        )

    @staticmethod
    def _disclosure_tail(source: ContentSource, rule: dict, hashtags: list[str]) -> str:
        """The caption's kept tail: the AI disclosure line (platforms without an API field), then hashtags."""
        line = (rule.get("ai_disclosure") or {}).get("caption_line")
        if not (line and disclosure.declares_ai(source.media_providers, source.ai_disclosure)):
            line = ""
        return "\n\n".join(p for p in (line, " ".join(hashtags)) if p)

    @staticmethod
    def cited_sources(source: ContentSource) -> list[tuple[str, str]]:
        """(publisher, link) of the facts the script's scenes cite, in the order first cited, no repeats."""
        script = source.script or {}
        facts = {f.get("fact_id"): f for f in script.get("facts") or [] if isinstance(f, dict)}
        found: dict[str, tuple[str, str]] = {}
        for scene in script.get("scenes") or []:
            for fact_id in scene.get("fact_ids") or []:
                fact = facts.get(fact_id) or {}
                url, name = str(fact.get("url") or ""), " ".join(str(fact.get("source") or "").split())
                if url.startswith(("https://", "http://")) and url not in found:
                    found[url] = (name or url, url)
        return list(found.values())

    def _with_sources(self, tail: str, source: ContentSource, limit: int, unit: str, forbidden: str = "") -> str:
        """``tail`` followed by "Sources:" and the cited links, as many as fit in a share of ``limit``."""
        cited = [(self._clean(name, forbidden), self._clean(url, forbidden))
                 for name, url in self.cited_sources(source)][:MAX_SOURCES]
        while cited:
            block = "Sources:\n" + "\n".join(f"{name}: {url}" for name, url in cited)
            text = "\n\n".join(p for p in (tail, block) if p)
            if measure(text, unit) <= SOURCES_SHARE * limit:
                return text
            cited.pop()
        return tail

    @staticmethod
    def _clean(text: str, forbidden: str = "") -> str:
        text = " ".join((text or "").split())
        return "".join(ch for ch in text if ch not in forbidden)

    # --- platforms -------------------------------------------------------
    def chapters(self, source: ContentSource, rule: dict) -> list[tuple[float, str]]:
        """Chapter markers from the script: first at 0:00, each >= min_seconds, at least min_count, else none."""
        script = source.script or {}
        raw = [(float(s), str(label)) for s, label in script.get("chapters") or []]
        if not raw:
            start = 0.0
            for scene in script.get("scenes") or []:
                label = fit(self._clean(scene.get("narration", "")), 40)
                raw.append((start, label or f"Part {len(raw) + 1}"))
                start += float(scene.get("seconds") or 0)
            total = start
        else:
            total = max((r.duration_seconds for r in source.renditions), default=raw[-1][0] + rule["min_seconds"])
        merged: list[tuple[float, str]] = []
        for start, label in sorted(raw):
            if merged and start - merged[-1][0] < rule["min_seconds"]:
                continue  # too close to the previous marker: fold into it
            merged.append((0.0 if not merged else start, label))
        if merged and total - merged[-1][0] < rule["min_seconds"]:
            merged.pop()  # the last chapter would be too short
        return merged if len(merged) >= rule["min_count"] else []

    def _youtube(self, source: ContentSource, platform: str, rule: dict) -> PlatformPackage:
        shorts = rule["renditions"]["short"]
        rendition = self._pick(source, shorts["aspects"], max_s=shorts["max_seconds"])
        form = "short"
        if rendition is None or source.script.get("format") == "long":
            long_pick = self._pick(source, rule["renditions"]["long"]["aspects"])
            if long_pick is not None and (rendition is None or long_pick.duration_seconds > shorts["max_seconds"]
                                          or source.script.get("format") == "long"):
                rendition, form = long_pick, "long"
        if rendition is None:
            raise NotPublishableError(f"{platform}: no rendition to send")
        forbidden = rule.get("forbidden_chars", "")
        title = self._clean(source.title, forbidden)
        term = self._clean(source.term, forbidden)
        if term and not title.casefold().startswith(term.casefold()):
            title = f"{term[:1].upper()}{term[1:]}: {title}"  # key term first
        title = fit(title, rule["title"]["max"], rule["title"]["unit"])
        hashtags = self._hashtags(source, rule["hashtags"]["max"], ["Shorts"] if form == "short" else [])
        chapters = self.chapters(source, rule["chapters"]) if form == "long" or not rule["chapters"]["long_form_only"] else []
        parts = [self._clean(self._hook(source), forbidden)]
        if chapters:
            parts.append("\n".join(f"{timestamp(s)} {self._clean(label, forbidden)}" for s, label in chapters))
        parts.append(self._clean(self._cta(source), forbidden))
        body = "\n\n".join(p for p in parts if p)
        description = compose(body, self._with_sources(" ".join(hashtags), source, rule["description"]["max"],
                                                       rule["description"]["unit"], forbidden),
                              rule["description"]["max"], rule["description"]["unit"])
        candidates = unique([self._clean(t, forbidden + ",") for t in [source.term, *source.keywords, source.category]
                             if t and t.strip()])

        def tag_cost(tag: str) -> int:
            return measure(tag, rule["tags_total"]["unit"]) + (2 if " " in tag else 0)

        tags = fit_list(candidates, max_total=rule["tags_total"]["max"], cost=tag_cost, separator_cost=1)
        return self._base(
            source, platform, title, description, tags, rendition,
            format=form, chapters=[[s, label] for s, label in chapters],
            category_id=str(source.category_id or rule["default_category_id"]),
            privacy_status=rule["privacy"], self_declared_made_for_kids=bool(rule["made_for_kids"]),
        )

    def _tiktok(self, source: ContentSource, platform: str, rule: dict) -> PlatformPackage:
        spec = rule["renditions"]["short"]
        rendition = self._pick(source, spec["aspects"], spec["min_seconds"], spec["max_seconds"])
        if rendition is None:
            raise NotPublishableError(f"{platform}: needs a 9:16 rendition of {spec['min_seconds']}-{spec['max_seconds']} s")
        hashtags = self._hashtags(source, rule["hashtags"]["max"])
        body = "\n".join(p for p in (self._clean(source.title), self._clean(self._hook(source))) if p)
        caption = compose(body, self._with_sources(" ".join(hashtags), source, rule["caption"]["max"],
                                                   rule["caption"]["unit"]),
                          rule["caption"]["max"], rule["caption"]["unit"])
        return self._base(source, platform, fit(self._clean(source.title), rule["caption"]["max"], rule["caption"]["unit"]),
                          caption, hashtags, rendition,
                          privacy_level=rule["privacy"], trending_sound=source.trending_sound)

    def _instagram(self, source: ContentSource, platform: str, rule: dict) -> PlatformPackage:
        # The rules' post_types in order of preference: the first whose rendition fits is posted.
        post_type, rendition = "REELS", None
        declares = bool((rule.get("ai_disclosure") or {}).get("caption_line")) and \
            disclosure.declares_ai(source.media_providers, source.ai_disclosure)
        for kind in (str(t).lower() for t in rule.get("post_types") or ("REELS", "STORIES")):
            if kind == "stories" and declares:
                continue   # a story takes no caption: nowhere to say it is AI-made, so it goes as a reel
            spec = rule["renditions"][kind]
            rendition = self._pick(source, spec["aspects"], spec["min_seconds"], spec["max_seconds"])
            if rendition is not None:
                post_type = kind.upper()
                break
        if rendition is None:
            spec = rule["renditions"]["reels"]
            raise NotPublishableError(f"{platform}: needs a 9:16 rendition of {spec['min_seconds']}-{spec['max_seconds']} s")
        hashtags = self._hashtags(source, rule["hashtags"]["max"])
        body = "\n\n".join(p for p in (self._clean(source.title), self._clean(self._hook(source)),
                                       self._clean(self._cta(source))) if p)
        caption = compose(body, self._with_sources(self._disclosure_tail(source, rule, hashtags), source,
                                                   rule["caption"]["max"], rule["caption"]["unit"]),
                          rule["caption"]["max"], rule["caption"]["unit"])
        return self._base(source, platform, fit(self._clean(source.title), 100), caption, hashtags, rendition,
                          media_type=post_type, share_to_feed=post_type == "REELS")

    def _facebook(self, source: ContentSource, platform: str, rule: dict) -> PlatformPackage:
        spec = rule["renditions"]["reel"]
        rendition = self._pick(source, spec["aspects"], spec["min_seconds"], spec["max_seconds"])
        kind = "reel"
        if rendition is None:
            rendition, kind = self._pick(source, rule["renditions"]["video"]["aspects"]), "video"
        if rendition is None:
            raise NotPublishableError(f"{platform}: no rendition to send")
        # Written for engagement: a question or call to action comes first.
        term = self._clean(source.term) or self._clean(source.title)
        opener = self._clean(self._cta(source)) or f"What do you think about {term}?"
        if not opener.endswith(("?", "!")):
            opener = f"What do you think about {term}? {opener}"
        body = "\n\n".join(p for p in (opener, self._clean(source.title), self._clean(self._hook(source))) if p)
        hashtags = self._hashtags(source, rule["hashtags"]["max"])
        description = compose(body, self._with_sources(self._disclosure_tail(source, rule, hashtags), source,
                                                       rule["description"]["max"], rule["description"]["unit"]),
                              rule["description"]["max"], rule["description"]["unit"])
        title = fit(self._clean(source.title), rule["title"]["max"], rule["title"]["unit"])
        return self._base(source, platform, title, description, hashtags, rendition, post_type=kind)

    def _caption(self, source: ContentSource, platform: str, rule: dict) -> PlatformPackage:
        """Any other platform: the first rendition its ``renditions`` accept, a title, one caption."""
        rendition = None
        for spec in rule["renditions"].values():
            rendition = self._pick(source, spec["aspects"], spec.get("min_seconds", 0), spec.get("max_seconds"))
            if rendition is not None:
                break
        if rendition is None:
            raise NotPublishableError(f"{platform}: no rendition fits {sorted(rule['renditions'])}")
        text_rule = rule.get("caption") or rule.get("description") or {"max": 2200, "unit": "chars"}
        hashtags = self._hashtags(source, (rule.get("hashtags") or {}).get("max", 5))
        body = "\n\n".join(p for p in (self._clean(source.title), self._clean(self._hook(source)),
                                       self._clean(self._cta(source))) if p)
        caption = compose(body, self._with_sources(" ".join(hashtags), source, text_rule["max"],
                                                   text_rule.get("unit", "chars")),
                          text_rule["max"], text_rule.get("unit", "chars"))
        title_rule = rule.get("title") or {"max": 100, "unit": "chars"}
        title = fit(self._clean(source.title), title_rule["max"], title_rule.get("unit", "chars"))
        return self._base(source, platform, title, caption, hashtags, rendition)
