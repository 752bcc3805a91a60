"""Database models (SQLAlchemy 2.0 typed declarations)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .domain.people import GENDERS, LANGUAGES, ROLES
from .extensions import db


def utcnow() -> datetime:
    """The current time, timezone-aware, evaluated at insert time."""
    return datetime.now(timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Agency(db.Model):
    """A law-enforcement body whose officers take part (e.g. a ministry or border service)."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("name", "country", name="uq_agencies_name_country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40), default="")
    country: Mapped[str] = mapped_column(String(2), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="agency")

    def __repr__(self) -> str:
        return f"<Agency {self.name!r} {self.country}>"


class User(UserMixin, db.Model):
    """A person with an account: trainee officer, trainer, programme manager or admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(_in("language", LANGUAGES), name="language"),
        CheckConstraint(f"gender IS NULL OR {_in('gender', GENDERS)}", name="gender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default="trainee", index=True)
    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agencies.id"), index=True)
    country: Mapped[Optional[str]] = mapped_column(String(2), index=True)
    rank: Mapped[str] = mapped_column(String(120), default="")
    # NULL means not recorded; "prefer_not_to_say" is the person's own choice.
    gender: Mapped[Optional[str]] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[Optional[datetime]]

    agency: Mapped[Optional[Agency]] = relationship(back_populates="users")

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash, never the password."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses login for inactive users
        return self.active

    def has_role(self, *roles: str) -> bool:
        """True when the user holds one of the roles."""
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def user_by_email(email: str) -> Optional[User]:
    """Look a user up by email, case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
