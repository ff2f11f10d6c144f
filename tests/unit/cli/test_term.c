// SPDX-License-Identifier: GPL-2.0
/* Keys from the bytes a terminal sends. */
#include "cli/term.h"
#include "test.h"

static size_t decode(const char *bytes, size_t n, int *keys)
{
	return term_decode_keys((const unsigned char *)bytes, n, keys, 16);
}

TEST(plain_keys_and_escape_sequences)
{
	/* q, Up (CSI A), Down (SS3 B: application mode), PgUp, PgDn, Home, End, Enter */
	static const char in[] = "q\033[A\033OB\033[5~\033[6~\033[H\033[4~\r";
	static const int want[] = { 'q', TERM_KEY_UP, TERM_KEY_DOWN, TERM_KEY_PGUP, TERM_KEY_PGDN,
				    TERM_KEY_HOME, TERM_KEY_END, '\r' };
	int keys[16];
	size_t n = decode(in, sizeof(in) - 1, keys), i;

	ASSERT_EQ(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++)
		ASSERT_EQ(keys[i], want[i]);
}

TEST(lone_escape_and_unknown_sequences)
{
	int keys[16];

	/* ESC alone is the key; F5 (CSI 15~) is no key of ours and is skipped whole */
	ASSERT_EQ(decode("\033", 1, keys), 1);
	ASSERT_EQ(keys[0], TERM_KEY_ESC);
	ASSERT_EQ(decode("\033[15~b", 6, keys), 1);
	ASSERT_EQ(keys[0], 'b');
	/* ESC then a letter (Alt-x): both */
	ASSERT_EQ(decode("\033x", 2, keys), 2);
	ASSERT_EQ(keys[0], TERM_KEY_ESC);
	ASSERT_EQ(keys[1], 'x');
	/* a sequence cut short is dropped, not read as keys */
	ASSERT_EQ(decode("j\033[1", 4, keys), 1);
	ASSERT_EQ(keys[0], 'j');
}

TEST_MAIN(TEST_CASE(plain_keys_and_escape_sequences), TEST_CASE(lone_escape_and_unknown_sequences))
