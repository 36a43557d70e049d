"""Output formats: rendition sizes per aspect and the working canvas that covers them."""
from __future__ import annotations

FPS = 30
ASPECT_SIZES: dict[str, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "16:9": (1920, 1080),
    "1:1": (1080, 1080),
}


class UnknownAspectError(ValueError):
    pass


def size_of(aspect: str) -> tuple[int, int]:
    try:
        return ASPECT_SIZES[aspect]
    except KeyError:
        raise UnknownAspectError(f"unknown aspect {aspect!r}; known: {', '.join(ASPECT_SIZES)}") from None


def working_size(aspects: list[str]) -> tuple[int, int]:
    """One image per scene serves every rendition: the canvas covers the largest width and height."""
    sizes = [size_of(a) for a in aspects] or [ASPECT_SIZES["9:16"]]
    return max(w for w, _ in sizes), max(h for _, h in sizes)


def safe_size(aspects: list[str]) -> tuple[int, int]:
    """The centred area every rendition keeps (where key words must stay)."""
    sizes = [size_of(a) for a in aspects] or [ASPECT_SIZES["9:16"]]
    return min(w for w, _ in sizes), min(h for _, h in sizes)
