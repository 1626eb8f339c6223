from alliance.core import codes


def test_new_codes_are_well_formed_and_use_only_unambiguous_characters():
    for _ in range(200):
        code = codes.new_code(9)
        assert codes.is_well_formed(code, 9)
        assert not set(code) & set("01ILO")


def test_every_single_character_change_breaks_the_check_character():
    code = codes.new_code(9)
    for i in range(len(code)):
        for c in codes.ALPHABET:
            if c != code[i]:
                assert not codes.is_well_formed(code[:i] + c + code[i + 1 :], 9)


def test_swapping_two_neighbours_breaks_the_check_character():
    for _ in range(100):
        code = codes.new_code(9)
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
                assert not codes.is_well_formed(swapped, 9)


def test_typed_codes_are_normalised_and_grouped_for_display():
    assert codes.normalise(" k7q9-m2xp ") == "K7Q9M2XP"
    assert codes.group("K7Q9M2XP") == "K7Q9-M2XP"
