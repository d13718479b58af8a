/*
 * Unit tests of command-line splitting and the "does it need a shell"
 * decision (src/bench/cmdline.c). The expected words are what
 * "sh -c 'for w in LINE; do ...'" would see, worked out by hand from the
 * POSIX rules for quoting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench/cmdline.h"

static void check_split(const char *line, const char *const *want, size_t n)
{
	char **argv;
	size_t got;

	if (cmdline_split(line, &argv, &got) < 0)
		fail_msg("'%s' did not split", line);
	if (got != n)
		fail_msg("'%s': %zu words, want %zu", line, got, n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[i], want[i]))
			fail_msg("'%s': word %zu is '%s', want '%s'", line, i, argv[i], want[i]);
	assert_null(argv[n]);
	cmdline_free(argv);
}

#define SPLIT(line, ...)                                              \
	do {                                                          \
		const char *const w_[] = { __VA_ARGS__ };             \
		check_split(line, w_, sizeof(w_) / sizeof(w_[0]));    \
	} while (0)

static void test_split(void **state)
{
	char **argv;
	size_t n;

	(void)state;
	SPLIT("sleep 0.1", "sleep", "0.1");
	SPLIT("  grep\t-i   todo\n", "grep", "-i", "todo");
	SPLIT("echo 'a b' \"c d\"", "echo", "a b", "c d");
	SPLIT("echo 'it''s'", "echo", "its");
	SPLIT("echo \"say \\\"hi\\\" \\$x \\n\"", "echo", "say \"hi\" $x \\n");
	SPLIT("echo a\\ b c\\\\d", "echo", "a b", "c\\d");
	SPLIT("prog '' x", "prog", "", "x");
	SPLIT("a'b'\"c\"d", "abcd");
	assert_int_equal(cmdline_split("", &argv, &n), 0);
	assert_int_equal(n, 0);
	assert_null(argv[0]);
	cmdline_free(argv);
	assert_int_equal(cmdline_split("echo 'open", &argv, &n), -1);
	assert_int_equal(cmdline_split("echo \"open", &argv, &n), -1);
	assert_int_equal(cmdline_split("echo trailing\\", &argv, &n), -1);
}

static void test_needs_shell(void **state)
{
	static const char *const direct[] = {
		"sleep 0.1", "grep -i 'a|b' file.txt", "echo \"a; b\"", "./prog --opt=3",
		"prog a\\|b", "echo 'x > y'", "test -f x", "true", "printf '%s\\n' '*'",
		"prog a=b", "prog x#y", "prog x~y",
	};
	static const char *const shell[] = {
		"sleep 0.1; sleep 0.2", "ls | wc -l", "prog > out", "prog < in", "prog &",
		"echo $HOME", "echo \"$HOME\"", "echo `date`", "ls *.c", "ls file?",
		"ls [ab]", "cd /tmp", "exit 3", "FOO=1 prog", "(prog)", "prog && other",
		"prog # comment", "ls ~", "echo a\nb", "echo 'open", "if true; then :; fi",
		": nothing", "source x.sh", "export A=1", "prog \"unterminated",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(direct) / sizeof(direct[0]); i++)
		if (cmdline_needs_shell(direct[i]))
			fail_msg("'%s' should run without a shell", direct[i]);
	for (size_t i = 0; i < sizeof(shell) / sizeof(shell[0]); i++)
		if (!cmdline_needs_shell(shell[i]))
			fail_msg("'%s' needs a shell", shell[i]);
	assert_true(cmdline_is_shell_word("cd"));
	assert_false(cmdline_is_shell_word("echo"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_needs_shell),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
