"""Plain-Python domain logic: grading schemes, scoring, content and scenario parsing.

Nothing in this package imports Flask or the database models, so every rule here can be
tested without an application.
"""
