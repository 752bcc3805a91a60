"""The password policy, the same for the web forms and the command line.

A password must be long enough and not easy to guess: zxcvbn estimates how many guesses an
attacker who knows common passwords, words, names, dates and keyboard patterns would need.
"""
from __future__ import annotations

from zxcvbn import zxcvbn

MINIMUM_SCORE = 3  # zxcvbn's 0-4 scale; 3 means "safely unguessable" (about 10^8 guesses or more)
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; a longer password is judged by its start

TOO_SHORT = "too_short"
TOO_GUESSABLE = "too_guessable"


def password_problems(password: str, min_length: int, personal: tuple[str, ...] = ()) -> list[str]:
    """Problem codes for a proposed password (empty when it is acceptable).

    `personal` holds words the person's own details give away (email, name): a password built
    from them counts as easy to guess.
    """
    problems = []
    if len(password) < min_length:
        problems.append(TOO_SHORT)
    words = [part for value in personal for part in value.replace("@", " ").replace(".", " ").split() if part]
    if zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)["score"] < MINIMUM_SCORE:
        problems.append(TOO_GUESSABLE)
    return problems
