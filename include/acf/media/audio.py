"""The soundtrack: voices placed at their scene times, an optional ducked music bed,
and loudness normalised to the platforms' target (-14 LUFS integrated) in two passes.

Audio is cheap next to video, so it is finished once, as a WAV, and every
rendition encodes the same track.
"""
from __future__ import annotations

import logging
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from acf.media.probe import ffmpeg_exe

log = logging.getLogger(__name__)

TARGET_LUFS = -14.0
TRUE_PEAK = -1.5
LOUDNESS_RANGE = 11.0
RATE = 48000


class AudioError(RuntimeError):
    pass


@dataclass(frozen=True)
class VoicePlacement:
    path: Path
    start_seconds: float


def _run(stream, what: str) -> str:
    args = stream.overwrite_output().global_args("-hide_banner", "-nostats").compile(cmd=ffmpeg_exe())
    run = subprocess.run(args, capture_output=True, text=True, errors="replace")
    if run.returncode != 0:
        raise AudioError(f"{what} failed: {run.stderr.strip()[-600:]}")
    return run.stderr


def _speech(voices: list[VoicePlacement], total_seconds: float):
    placed = []
    for voice in voices:
        stream = ffmpeg.input(str(voice.path)).audio
        stream = stream.filter("aresample", RATE).filter("aformat", channel_layouts="stereo")
        placed.append(stream.filter("adelay", delays=int(round(voice.start_seconds * 1000)), all=1))
    speech = placed[0] if len(placed) == 1 else ffmpeg.filter(
        placed, "amix", inputs=len(placed), normalize=0, duration="longest")
    return speech.filter("apad", whole_dur=total_seconds).filter("atrim", end=total_seconds)


def mix(voices: list[VoicePlacement], total_seconds: float, dest: Path, music: Path | None = None,
        music_gain: float = 0.35) -> Path:
    """Place each voice at its start; duck ``music`` under them; exactly ``total_seconds`` long."""
    if not voices:
        raise AudioError("no voice to mix")
    speech = _speech(voices, total_seconds)
    if music is not None:
        split = speech.filter_multi_output("asplit", 2)
        voice_main, voice_key = split[0], split[1]   # the voice, and the key that ducks the music
        bed = (ffmpeg.input(str(music), stream_loop=-1).audio.filter("aresample", RATE)
               .filter("aformat", channel_layouts="stereo").filter("atrim", end=total_seconds)
               .filter("volume", music_gain))
        ducked = ffmpeg.filter([bed, voice_key], "sidechaincompress", threshold=0.02, ratio=10,
                               attack=15, release=350)
        speech = ffmpeg.filter([voice_main, ducked], "amix", inputs=2, normalize=0, duration="first")
    _run(ffmpeg.output(speech, str(dest), acodec="pcm_s16le", ar=RATE, ac=2), "voice mix")
    return dest


def measure_lufs(path: Path) -> float:
    """Integrated loudness of a WAV with the ebur128 filter (no true-peak oversampling: fast)."""
    text = _run(ffmpeg.output(ffmpeg.input(str(path)).audio.filter("ebur128", framelog="quiet"), "-",
                              format="null"), "loudness measurement")
    found = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", text[text.rfind("Summary:"):])
    if not found or found.group(1) == "-inf":
        raise AudioError("the soundtrack is silent: nothing to normalise")
    return float(found.group(1))


def normalise(src: Path, dest: Path, target: float = TARGET_LUFS) -> dict:
    """Measured normalisation: measure, apply the gain with a peak limiter, measure again and correct.

    Two cheap ebur128 passes replace loudnorm's (which resamples to 192 kHz); the limiter keeps
    true peaks under -1.5 dBFS, and the second measurement takes back what limiting cost.
    """
    measured = measure_lufs(src)
    gain = target - measured
    limit = 10 ** (TRUE_PEAK / 20)
    result = measured
    for _ in range(2):
        stream = (ffmpeg.input(str(src)).audio.filter("volume", f"{gain:.3f}dB")
                  .filter("alimiter", limit=round(limit, 4), level="disabled", attack=5, release=50))
        _run(ffmpeg.output(stream, str(dest), acodec="pcm_s16le", ar=RATE, ac=2), "loudness normalisation")
        result = measure_lufs(dest)
        if abs(result - target) <= 0.3:
            break
        gain += target - result
    log.info("loudness: measured %.2f LUFS, gain %+.2f dB -> %.2f LUFS (target %s)", measured, gain, result, target)
    return {"input_i": measured, "gain_db": gain, "output_i": result}


def to_wav(data: bytes, fmt: str, dest: Path) -> float:
    """Decode a provider's audio (mp3, wav, ogg...) to a mono WAV; return its duration in seconds."""
    from acf.media.probe import probe

    source = dest.with_suffix(f".src.{fmt.lower().strip('.') or 'bin'}")
    source.write_bytes(data)
    stream = ffmpeg.input(str(source)).audio
    _run(ffmpeg.output(stream, str(dest), acodec="pcm_s16le", ac=1, ar=24000), f"decoding {fmt} voice")
    source.unlink(missing_ok=True)
    seconds = probe(dest).duration_seconds
    if seconds <= 0.05:
        raise AudioError(f"voice provider returned {seconds:.2f} s of audio")
    return seconds


def speak_by_sentence(synthesize, text: str, language: str = "en") -> tuple[bytes, str, list]:
    """For a voice service that reports no timing: one ``synthesize(sentence, language) -> (audio, format)``
    request per sentence, joined into one WAV, each sentence's words spread within its own length.
    Returns ``(wav bytes, "wav", words)`` as ``synthesize_timed`` does; a caption line then starts with
    its sentence even when the service's pace drifts."""
    import io
    import tempfile
    import wave

    from acf.media.words import sentences, spread

    words, frames, offset, rate = [], [], 0.0, 24000
    with tempfile.TemporaryDirectory(prefix="acf-sentences-") as scratch:
        for n, sentence in enumerate(sentences(text) or [text]):
            data, fmt = synthesize(sentence, language)
            part_path = Path(scratch) / f"{n}.wav"
            seconds = to_wav(data, fmt, part_path)
            with wave.open(str(part_path)) as part:
                if frames and part.getframerate() != rate:
                    raise ValueError(f"sentence {n} came at {part.getframerate()} Hz, the others at {rate} Hz")
                rate = part.getframerate()
                frames.append(part.readframes(part.getnframes()))
            words.extend(spread(sentence, offset, seconds))
            offset += seconds
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(frames))
    return buffer.getvalue(), "wav", words
