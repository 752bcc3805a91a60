"""Roles on every route, and object-level checks on people's records."""
import pytest

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/users/import", "/admin/agencies", "/admin/agencies/new"]


@pytest.mark.parametrize("role", ["trainee", "trainer", "manager"])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_are_forbidden_to_other_roles(client, auth, make_user, role, path):
    auth.login(make_user(role))
    response = client.get(path)
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_open_for_admins(client, auth, make_user, path):
    auth.login(make_user("admin"))
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ADMIN_PAGES + ["/profile", "/people/1"])
def test_anonymous_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admin_object_routes_check_role_before_existence(client, auth, make_user):
    other = make_user("trainee")
    auth.login(make_user("trainee"))
    assert client.get(f"/admin/users/{other.id}/edit").status_code == 403
    assert client.post(f"/admin/users/{other.id}/active").status_code in (400, 403)


def test_trainee_cannot_read_another_trainees_record_by_changing_the_id(client, auth, make_user):
    me = make_user("trainee")
    colleague = make_user("trainee")
    auth.login(me)
    assert client.get(f"/people/{me.id}").status_code == 200
    response = client.get(f"/people/{colleague.id}")
    assert response.status_code == 403
    assert colleague.full_name not in response.get_data(as_text=True)


def test_trainer_cannot_read_a_trainee_outside_their_cohorts(client, auth, make_user):
    trainee = make_user("trainee")
    auth.login(make_user("trainer"))
    assert client.get(f"/people/{trainee.id}").status_code == 403


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_read_records(client, auth, make_user, role):
    trainee = make_user("trainee")
    auth.login(make_user(role))
    response = client.get(f"/people/{trainee.id}")
    assert response.status_code == 200
    assert trainee.full_name in response.get_data(as_text=True)


def test_missing_record_is_404(client, auth, make_user):
    auth.login(make_user("admin"))
    assert client.get("/people/99999").status_code == 404
