"""Course ids from titles in the programme's alphabets: ASCII, read aloud as the title is."""
import pytest

from trainer.services.course_authoring import slugify


@pytest.mark.parametrize("title, slug", [
    ("Border checks: the basics", "border-checks-the-basics"),
    ("Пограничный контроль", "pogranichnyi-kontrol"),           # Russian, ICAO 9303 letters
    ("Щит и Ёж — объект № 5", "shchit-i-ezh-obekt-5"),
    ("Үй-бүлөлүк зомбулук", "ui-buloluk-zombuluk"),            # Kyrgyz
    ("Ҳуқуқи инсон ва ҷиноят", "huquqi-inson-va-jinoiat"),       # Tajik
    ("Ўзбекистон ғалла", "ozbekiston-ghalla"),                   # Uzbek Cyrillic
    ("漢字", "new-course"),                                       # nothing to read: the fallback
])
def test_a_title_in_any_of_the_programmes_alphabets_gives_a_readable_ascii_id(title, slug):
    assert slugify(title) == slug
