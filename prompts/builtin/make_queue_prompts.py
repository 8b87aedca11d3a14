"""Writes the queue's spoken phrases (8 kHz, 16-bit mono) with espeak-ng, like the
number words beside them: position and estimated-wait announcements and the callback
offer (its confirmation is the scenario's own prompt). Run once when a phrase changes
(needs espeak-ng); the WAVs are committed, so nothing is synthesised at build or run time.
Run: python3 make_queue_prompts.py"""
import audioop
import io
import subprocess
import wave

RATE = 8000
# espeak-ng pads its speech with silence; the announcement is a chain of phrases, so
# each keeps only this much (in samples) around its speech.
PADDING = RATE // 20
SILENCE_LEVEL = 200
PHRASES = {
    "queue-you-are-number": "You are number",
    "queue-in-line": "in line.",
    "queue-estimated-wait": "Your estimated wait is",
    "queue-minute": "minute.",
    "queue-minutes": "minutes.",
    "queue-press-for-callback": "To be called back without losing your place, press",
}

for name, text in PHRASES.items():
    spoken = subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "150", "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(spoken)) as source:
        frames = source.readframes(source.getnframes())
        width, rate = source.getsampwidth(), source.getframerate()
    frames, _ = audioop.ratecv(frames, width, 1, rate, RATE, None)
    loud = [i for i in range(len(frames) // width) if abs(audioop.getsample(frames, width, i)) > SILENCE_LEVEL]
    if loud:
        start = max(0, loud[0] - PADDING)
        end = min(len(frames) // width, loud[-1] + PADDING)
        frames = frames[start * width : end * width]
    with wave.open(f"{name}.wav", "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(width)
        out.setframerate(RATE)
        out.writeframes(frames)
