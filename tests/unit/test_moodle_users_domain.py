"""Reading Moodle's upload-users columns and usernames (no app, no database)."""
import pytest

from trainer.domain.people import normalise_username, read_users
from trainer.domain.tabular import read_csv_text


def read(text: str, languages=("en", "ru")):
    return read_users(read_csv_text(text), languages)


@pytest.mark.parametrize("raw, stored", [
    ("B.Toktogulov", "b.toktogulov"), (" a_sadykov-2 ", "a_sadykov-2"), ("Токтогулов.Б", "токтогулов.б"), ("007", "007"),
])
def test_usernames_are_kept_lower_case(raw, stored):
    assert normalise_username(raw) == stored


@pytest.mark.parametrize("raw", ["a b", "a@b", ".dot", "_under", "-dash", "", "x" * 101, "semi;colon"])
def test_a_username_that_could_not_be_typed_at_the_login_form_is_refused(raw):
    with pytest.raises(ValueError):
        normalise_username(raw)


def test_moodle_columns_fill_the_account():
    users = read("username,password,firstname,lastname,middlename,email,lang,auth,cohort1,cohort2,cohort3,"
                 "profile_field_agency,profile_field_rank,profile_field_country,profile_field_gender,institution,phone1\n"
                 "A.Sadykov,lantern orchard velvet 42,Айбек,Садыков,Кубанычбекович,A.Sadykov@Example.org,ru_RU,manual,"
                 "Bishkek webinar,,BISHKEK WEBINAR,MIA KG,Капитан,kg,F,МВД,+996\n")
    assert users.problems == ()
    row, = users.rows
    assert (row.username, row.email, row.full_name, row.language, row.agency, row.rank, row.country, row.gender,
            row.password, row.active, row.role) == (
        "a.sadykov", "a.sadykov@example.org", "Айбек Кубанычбекович Садыков", "ru", "MIA KG", "Капитан", "KG",
        "female", "lantern orchard velvet 42", True, "trainee")
    assert row.cohorts == (("cohort1", "Bishkek webinar"),)  # the same cohort twice counts once
    assert row.column("agency") == "profile_field_agency" and row.column("language") == "lang"
    assert users.ignored_columns == ("institution", "phone1")
    assert users.cohort_columns == ("cohort1", "cohort2", "cohort3")
    assert "lantern" not in repr(row)


@pytest.mark.parametrize("lang, language", [("en", "en"), ("en_us", "en"), ("EN-GB", "en"), ("ru", "ru"), ("", "en")])
def test_moodle_language_codes_map_to_the_interface_languages(lang, language):
    users = read(f"username,firstname,lastname,lang\nx,A,B,{lang}\n")
    assert users.rows[0].language == language


def test_a_language_the_platform_lacks_is_named_with_its_column():
    users = read("username,firstname,lastname,lang\nx,A,B,kk\n")
    assert [(p.line, p.column) for p in users.problems] == [(2, "lang")]
    assert users.rows == ()
    assert read("username,firstname,lastname,lang\nx,A,B,kk\n", languages=("en", "ru", "kk")).rows[0].language == "kk"


def test_an_email_as_username_is_the_email_and_a_row_needs_one_of_the_two():
    users = read("username,firstname,lastname,email\n"
                 "a.b@example.org,A,B,A.B@example.org\n"
                 "c.d@example.org,C,D,x.y@example.org\n"
                 ",E,F,\n")
    assert [(row.email, row.username) for row in users.rows] == [("a.b@example.org", None)]
    assert [(p.line, p.column) for p in users.problems] == [(3, "username"), (4, "email")]


def test_auth_suspended_and_deleted():
    users = read("username,firstname,lastname,auth,suspended,deleted\n"
                 "a,A,A,nologin,,\n"
                 "b,B,B,manual,1,0\n"
                 "c,C,C,ldap,,\n"
                 "d,D,D,,maybe,\n"
                 "e,E,E,,,1\n")
    assert [(row.username, row.active) for row in users.rows] == [("a", False), ("b", False)]
    assert [(p.line, p.column) for p in users.problems] == [(4, "auth"), (5, "suspended"), (6, "deleted")]


def test_our_columns_win_over_moodle_ones_and_an_unknown_profile_field_stops_the_file():
    users = read("email,full_name,agency,profile_field_agency\nx@example.org,X,SBGS KG,MIA KG\n")
    assert users.rows[0].agency == "SBGS KG" and users.rows[0].column("agency") == "agency"
    refused = read("username,firstname,lastname,profile_field_department,profile_field_position\nx,A,B,Отдел,Инспектор\n")
    assert refused.rows == ()
    assert [(p.line, p.column) for p in refused.problems] == [(1, "profile_field_department")]
    assert "profile_field_agency" in str(refused.problems[0])


def test_a_username_only_file_with_moodle_names_needs_no_email_column():
    users = read("username,firstname,lastname\nb.toktogulov,Бакыт,Токтогулов\n")
    assert users.problems == ()
    assert (users.rows[0].email, users.rows[0].username, users.rows[0].full_name) == (
        None, "b.toktogulov", "Бакыт Токтогулов")
    missing = read("idnumber,city\n1,Ош\n")
    assert [p.column for p in missing.problems] == ["email", "full_name"]
