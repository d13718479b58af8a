#ifndef CMD_CMD_H
#define CMD_CMD_H

/*
 * Subcommands. Adding one, the checklist:
 *
 *  1. src/cmd/NAME.c defining int cmd_NAME(int argc, char **argv); its
 *     return value is redline's exit status (diag.h lists them). The file
 *     opens with a real sample of the command's output.
 *  2. Its declaration below, and an entry (name, function, one-line
 *     summary) in the command table of src/redline.c.
 *  3. One options table with every default in one state initializer;
 *     --help comes from that table (base/opt.h) and ends with examples.
 *  4. A README section with a real example and its real output.
 *  5. CLI tests in tests/cli/Nxx-NAME-*.bats, and a unit test file per new
 *     module in tests/unit/; a fuzz harness in fuzz/ for every new parser.
 *
 * A command owns stdout for its results; diagnostics and progress go to
 * stderr. It returns instead of exiting, so that the hub can flush stdout
 * and turn a failed write into exit status 4.
 */

int cmd_stat(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_timeit(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_history(int argc, char **argv);

#endif
