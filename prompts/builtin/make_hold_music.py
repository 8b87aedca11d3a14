"""Writes hold-music.wav: 8 s of a soft arpeggio (8 kHz, 16-bit mono), looped for callers
waiting in a queue. Generated rather than recorded so the repository ships no licensed music.
Run: python3 make_hold_music.py"""
import math
import struct
import wave

RATE = 8000
NOTE_SECONDS = 0.5
# A minor / F major / C major / G major arpeggios, two notes per chord tone.
CHORDS = [(220.0, 261.63, 329.63), (174.61, 220.0, 261.63), (261.63, 329.63, 392.0), (196.0, 246.94, 293.66)]

samples = []
for chord in CHORDS:
    for note in chord + (chord[1],):
        count = int(RATE * NOTE_SECONDS)
        for i in range(count):
            t = i / RATE
            envelope = min(1.0, t / 0.02) * math.exp(-3.0 * t)
            value = envelope * (math.sin(2 * math.pi * note * t) + 0.3 * math.sin(4 * math.pi * note * t))
            samples.append(int(6000 * value))

with wave.open("hold-music.wav", "wb") as out:
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(RATE)
    out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
