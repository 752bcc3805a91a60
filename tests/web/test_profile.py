"""A user's own profile: name, language, password."""
from conftest import PASSWORD, post_form
from trainer.models import User


def test_user_changes_name_and_language(client, auth, make_user, database):
    user = make_user("trainee", full_name="Old Name")
    auth.login(user)
    response = post_form(client, "/profile", {
        "profile-full_name": "Nurlan Abdyldaev", "profile-language": "ru", "profile-submit": "1",
    }, follow_redirects=True)
    assert response.status_code == 200
    saved = database.get(User, user.id)
    assert (saved.full_name, saved.language) == ("Nurlan Abdyldaev", "ru")
    assert '<html lang="ru"' in client.get("/").get_data(as_text=True)


def test_empty_name_is_refused_and_nothing_changes(client, auth, make_user, database):
    user = make_user("trainee", full_name="Kept Name")
    auth.login(user)
    response = post_form(client, "/profile", {"profile-full_name": "", "profile-language": "en", "profile-submit": "1"})
    assert response.status_code == 400
    assert database.get(User, user.id).full_name == "Kept Name"


def change_password(client, current, new, confirm=None):
    return post_form(client, "/profile", {
        "password-current_password": current, "password-new_password": new,
        "password-confirm": confirm or new, "password-submit": "1",
    })


def test_password_change_needs_the_current_password(client, auth, make_user):
    auth.login(make_user("trainee"))
    response = change_password(client, "not my password", "a brand new password")
    assert response.status_code == 400
    assert "not your current password" in response.get_data(as_text=True)


def test_password_change_rejects_short_and_mismatched(client, auth, make_user):
    auth.login(make_user("trainee"))
    assert "at least 10 characters" in change_password(client, PASSWORD, "short").get_data(as_text=True)
    mismatch = change_password(client, PASSWORD, "a brand new password", "another new password")
    assert "The passwords differ." in mismatch.get_data(as_text=True)


def test_new_password_works_and_old_one_does_not(client, auth, make_user):
    user = make_user("trainee")
    auth.login(user)
    assert change_password(client, PASSWORD, "a brand new password").status_code == 302
    auth.logout()
    assert auth.login(user, PASSWORD).status_code == 401
    assert auth.login(user, "a brand new password").status_code == 302
