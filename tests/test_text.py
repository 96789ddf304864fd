import unicodedata

from orbito.text import has_control_characters


def test_control_characters_are_exactly_unicodes_category_cc() -> None:
    every = [chr(point) for point in range(0x110000)]
    refused = {character for character in every if has_control_characters(character)}
    in_prose = {character for character in every if has_control_characters(character, prose=True)}
    category_cc = {character for character in every if unicodedata.category(character) == "Cc"}

    assert refused == category_cc
    assert in_prose == category_cc - {"\t", "\n", "\r"}


def test_a_control_character_anywhere_in_a_value_is_found() -> None:
    assert has_control_characters("add to cart\x00")
    assert has_control_characters("line\u0085break")
    assert not has_control_characters("Añadir al carrito \u2028")
    assert not has_control_characters("two\nlines", prose=True)
