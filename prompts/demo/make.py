#!/usr/bin/env python3
"""Regenerates the demo prompts: espeak-ng speaks each text, audioop converts to 8 kHz mono 16-bit."""
import audioop, io, subprocess, wave, pathlib

HERE = pathlib.Path(__file__).parent
PROMPTS = {
    # ivr-menu
    "greeting": "Welcome to Demo Bistro.",
    "promo": "This week, every second dessert is free.",
    "menu-main": "For bookings press 1. For delivery press 2. For the manager press 3. For a callback press 4. For opening hours press 8. To hear this again press 9. To leave a message press 0.",
    "menu-delivery": "For a delivery order press 1. To speak to a courier press 2. For delivery areas press 8. To go back press 0.",
    "delivery-areas": "We deliver to the city centre and the north and south districts.",
    "opening-hours": "We are open Monday to Friday from nine to nine, and at weekends from ten to six.",
    "invalid": "Sorry, that is not a valid choice.",
    "no-input": "Sorry, we did not hear a choice.",
    "after-hours": "We are closed right now.",
    "after-hours-options": "Press 1 and we will call you back, or stay on the line to leave a message.",
    "callback-confirmed": "Thank you. We will call you back shortly.",
    "extension-unavailable": "That extension is not available.",
    "voicemail-greeting": "Please leave a message after the tone.",
    "goodbye": "Thank you for calling. Goodbye.",
    # branch-router
    "greeting-chain": "Welcome to Demo Bistro restaurants.",
    "choose-branch": "For the centre press 1. For the mall press 2. For the airport press 3.",
    "branch-closed": "This branch is closed right now.",
    "all-busy-self-order": "All our staff are busy. You can order with your keypad.",
    "chain-closed": "All our restaurants are closed right now.",
    "branch-center": "Centre.",
    "branch-mall": "Mall.",
    "branch-airport": "Airport.",
    # voice-order
    "order-welcome": "Welcome to ordering by keypad.",
    "order-choose-branch": "Choose the restaurant.",
    "order-date": "For today press 1, for tomorrow press 2, or press 3 to enter a day of the month.",
    "order-day-of-month": "Enter the day of the month, then press hash.",
    "order-time": "Enter the time as four digits, then press hash.",
    "order-branch-closed": "The restaurant is closed at that time.",
    "order-party-size": "How many guests? Enter a number, then press hash.",
    "order-readback": "You ordered a table at",
    "order-on-day": "on day",
    "order-at-time": "at",
    "order-for-guests": "for guests:",
    "order-confirm": "To confirm press 1. To cancel press 2.",
    "order-confirmed": "Your order is confirmed.",
    "order-cancelled": "Your order is cancelled.",
    "order-failed": "Sorry, we could not take your order.",
    # auto-callback
    "callback-agent-intro": "Calling back a customer who missed us.",
    "callback-press-1": "Demo Bistro is calling you back. Press 1 to talk to us.",
    "callback-connecting": "Connecting you now.",
    "callback-customer-unavailable": "The customer did not answer.",
}

def speak(text: str) -> bytes:
    raw = subprocess.run(["espeak-ng", "-v", "en-us", "-s", "165", "--stdout", text],
                         check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(raw)) as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        pcm = w.readframes(w.getnframes())
    if channels != 1:
        pcm = audioop.tomono(pcm, width, 0.5, 0.5)
    if width != 2:
        pcm = audioop.lin2lin(pcm, width, 2)
    pcm, _ = audioop.ratecv(pcm, 2, 1, rate, 8000, None)
    return pcm

for name, text in PROMPTS.items():
    with wave.open(str(HERE / f"{name}.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(speak(text))
