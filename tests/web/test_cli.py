"""Account commands for operators."""
from sqlalchemy import select

from trainer.models import User


def test_users_create_and_reset_password(runner, database):
    result = runner.invoke(args=["users", "create", "--email", "Ops@Example.org", "--name", "Ops Person", "--role", "trainer"])
    assert result.exit_code == 0, result.output
    password = result.output.rsplit(" ", 1)[1].strip()
    user = database.scalar(select(User).where(User.email == "ops@example.org"))
    assert user.role == "trainer" and user.check_password(password)

    result = runner.invoke(args=["users", "reset-password", "ops@example.org"])
    new_password = result.output.rsplit(" ", 1)[1].strip()
    user = database.scalar(select(User).where(User.email == "ops@example.org"))
    assert new_password != password and user.check_password(new_password)


def test_users_create_rejects_bad_and_duplicate_email(runner, make_user):
    make_user("trainee", email="dup@example.org")
    assert "already has an account" in runner.invoke(args=["users", "create", "--email", "dup@example.org", "--name", "X"]).output
    bad = runner.invoke(args=["users", "create", "--email", "nope", "--name", "X"])
    assert bad.exit_code != 0 and "--email" in bad.output
