/* Unit tests of pprof encoding and decoding (src/prof/pprof.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "base/buf.h"
#include "prof/pprof.h"
#include "prof/profile.h"

/* A CPU profile with an inlined frame, a kernel frame, labels and a Python frame. */
static struct profile *sample_profile(void)
{
	struct profile *p = prof_new();
	struct prof_mapping exe = { 0x400000, 0x500000, 0, prof_str(p, "/usr/bin/app"),
				    prof_str(p, "0123abcd"), true, true, true, true };
	struct prof_mapping kern = { 0xffffffff80000000ULL, UINT64_MAX, 0,
				     prof_str(p, PROF_KERNEL_MAPPING), 0, true,
				     false, false, false };
	uint32_t me = prof_add_mapping(p, &exe), mk = prof_add_mapping(p, &kern);
	struct prof_line lines[2];
	uint32_t stack[4];
	int64_t v[2] = { 3, 3003003 };
	struct prof_label labels[3];

	prof_add_sample_type(p, "samples", "count");
	prof_add_sample_type(p, "cpu", "nanoseconds");
	prof_set_period(p, "cpu", "nanoseconds", 1001001);
	p->time_nanos = 1700000000000000000LL;
	p->duration_nanos = 2500000000LL;
	prof_add_comment(p, "redline record -- ./app");
	lines[0] = (struct prof_line){ prof_add_function(p, "inl<&\"x\">", "_Z3inlv", "a.c", 5), 7, 3 };
	lines[1] = (struct prof_line){ prof_add_function(p, "outer", NULL, "a.c", 20), 22, 0 };
	stack[0] = prof_add_location(p, mk, 0xffffffff81000010ULL, lines + 1, 0);
	stack[1] = prof_add_location(p, me, 0x401000, lines, 2);
	lines[0] = (struct prof_line){ prof_add_function(p, "main", NULL, "a.c", 30), 31, 0 };
	stack[2] = prof_add_location(p, me, 0x401100, lines, 1);
	lines[0] = (struct prof_line){ prof_add_function(p, "<module>", NULL, "/app/m.py", 1), 4, 0 };
	stack[3] = prof_add_location(p, 0, 0, lines, 1);
	labels[0] = prof_label_num(p, PROF_LABEL_TID, 4242, NULL);
	labels[1] = prof_label_str(p, PROF_LABEL_THREAD, "worker-1");
	labels[2] = prof_label_num(p, PROF_LABEL_PID, 4240, NULL);
	prof_add_sample(p, stack, 4, v, labels, 3);
	prof_add_sample(p, stack + 1, 3, v, labels, 2);
	return p;
}

static void assert_same(const struct profile *a, const struct profile *b)
{
	assert_int_equal(a->nr_types, b->nr_types);
	assert_int_equal(a->nr_samples, b->nr_samples);
	assert_int_equal(a->nr_locations, b->nr_locations);
	assert_int_equal(a->nr_functions, b->nr_functions);
	assert_int_equal(a->nr_mappings, b->nr_mappings);
	assert_int_equal(a->period, b->period);
	assert_int_equal(a->time_nanos, b->time_nanos);
	assert_int_equal(a->duration_nanos, b->duration_nanos);
	assert_int_equal(a->nr_comments, b->nr_comments);
	for (size_t i = 0; i < a->nr_types; i++) {
		assert_string_equal(prof_strget(a, a->types[i].type),
				    prof_strget(b, b->types[i].type));
		assert_int_equal(prof_total(a, i), prof_total(b, i));
	}
	for (size_t i = 0; i < a->nr_samples; i++) {
		const struct prof_sample *sa = &a->samples[i], *sb = &b->samples[i];

		assert_int_equal(sa->nr_locs, sb->nr_locs);
		assert_int_equal(sa->nr_labels, sb->nr_labels);
		for (size_t j = 0; j < sa->nr_locs; j++) {
			const struct prof_location *la =
				prof_location(a, prof_sample_locs(a, sa)[j]);
			const struct prof_location *lb =
				prof_location(b, prof_sample_locs(b, sb)[j]);

			assert_int_equal(la->address, lb->address);
			assert_int_equal(la->nr_lines, lb->nr_lines);
			assert_int_equal(prof_frame_kind(a, la, 0), prof_frame_kind(b, lb, 0));
			for (size_t k = 0; k < la->nr_lines; k++) {
				const struct prof_line *xa = prof_location_lines(a, la) + k;
				const struct prof_line *xb = prof_location_lines(b, lb) + k;

				assert_int_equal(xa->line, xb->line);
				assert_int_equal(xa->column, xb->column);
				assert_string_equal(prof_strget(a, prof_function(a, xa->function)->name),
						    prof_strget(b, prof_function(b, xb->function)->name));
			}
		}
		assert_memory_equal(prof_values(a, i), prof_values(b, i),
				    a->nr_types * sizeof(int64_t));
	}
}

static void test_round_trip(void **state)
{
	struct profile *p = sample_profile(), *q = NULL;
	struct buf b = BUF_INIT, why = BUF_INIT;
	int64_t tid;

	(void)state;
	assert_int_equal(pprof_encode(p, &b), 0);
	/* gzip magic */
	assert_true(b.len > 20 && (unsigned char)b.ptr[0] == 0x1f &&
		    (unsigned char)b.ptr[1] == 0x8b);
	assert_int_equal(pprof_decode(b.ptr, b.len, &q, &why), 0);
	assert_non_null(q);
	assert_int_equal(prof_check(q), 0);
	assert_same(p, q);
	assert_true(prof_sample_num(q, &q->samples[0], PROF_LABEL_TID, &tid));
	assert_int_equal(tid, 4242);
	assert_string_equal(prof_sample_str(q, &q->samples[0], PROF_LABEL_THREAD), "worker-1");
	assert_string_equal(prof_strget(q, q->comments[0]), "redline record -- ./app");
	assert_string_equal(prof_strget(q, prof_mapping(q, 1)->build_id), "0123abcd");
	assert_true(prof_mapping(q, 1)->has_inline_frames);
	prof_free(q);
	prof_free(p);
	buf_release(&b);
	buf_release(&why);
}

static void test_raw_protobuf_accepted(void **state)
{
	struct profile *p = sample_profile(), *q = NULL;
	struct buf gz = BUF_INIT;
	unsigned char *raw = malloc(1 << 20);
	uLongf rawlen = 1 << 20;
	z_stream zs;

	(void)state;
	assert_int_equal(pprof_encode(p, &gz), 0);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 31), Z_OK);
	zs.next_in = (Bytef *)gz.ptr;
	zs.avail_in = (uInt)gz.len;
	zs.next_out = raw;
	zs.avail_out = (uInt)rawlen;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	rawlen = zs.total_out;
	inflateEnd(&zs);
	assert_int_equal(pprof_decode(raw, rawlen, &q, NULL), 0);
	assert_same(p, q);
	prof_free(q);
	prof_free(p);
	free(raw);
	buf_release(&gz);
}

static void test_truncated_and_garbage(void **state)
{
	struct profile *p = sample_profile(), *q = (struct profile *)1;
	struct buf b = BUF_INIT, why = BUF_INIT;

	(void)state;
	assert_int_equal(pprof_encode(p, &b), 0);
	/* Every truncation is an error with a reason, never a crash. */
	for (size_t n = 0; n < b.len; n += 1 + n / 8) {
		buf_reset(&why);
		assert_int_equal(pprof_decode(b.ptr, n, &q, &why), -EINVAL);
		assert_null(q);
		assert_true(why.len > 0);
	}
	buf_reset(&why);
	assert_int_equal(pprof_decode(b.ptr, b.len / 2, &q, &why), -EINVAL);
	assert_non_null(strstr(why.ptr, "truncated"));
	buf_reset(&why);
	assert_int_equal(pprof_decode("hello, world\n", 13, &q, &why), -EINVAL);
	assert_non_null(strstr(why.ptr, "not a pprof profile"));
	/* A corrupt gzip body. */
	b.ptr[b.len / 2] ^= 0x55;
	b.ptr[b.len / 2 + 1] ^= 0x55;
	buf_reset(&why);
	assert_int_equal(pprof_decode(b.ptr, b.len, &q, &why), -EINVAL);
	prof_free(p);
	buf_release(&b);
	buf_release(&why);
}

/* Hand-made protobuf: a location naming a function that does not exist. */
static void test_dangling_reference(void **state)
{
	/* string_table: "", "x"; location {id 1, line {function_id 9}} */
	static const unsigned char msg[] = {
		0x32, 0x00,			/* string_table: "" */
		0x32, 0x01, 'x',		/* string_table: "x" */
		0x22, 0x06, 0x08, 0x01, 0x22, 0x02, 0x08, 0x09, /* location */
	};
	static const unsigned char badstr[] = {
		0x32, 0x00,				/* "" */
		0x0a, 0x04, 0x08, 0x07, 0x10, 0x00,	/* sample_type {type: 7} */
	};
	struct profile *q;
	struct buf why = BUF_INIT;

	(void)state;
	assert_int_equal(pprof_decode(msg, sizeof(msg), &q, &why), -EINVAL);
	assert_non_null(strstr(why.ptr, "names function 9"));
	buf_reset(&why);
	assert_int_equal(pprof_decode(badstr, sizeof(badstr), &q, &why), -EINVAL);
	assert_non_null(strstr(why.ptr, "string 7"));
	buf_release(&why);
}

static void test_write_and_read_file(void **state)
{
	struct profile *p = sample_profile(), *q;
	char dir[] = "/tmp/test_pprof.XXXXXX", path[64];
	struct buf why = BUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.pb.gz", dir);
	assert_int_equal(pprof_write(p, path), 0);
	assert_int_equal(pprof_read(path, &q, &why), 0);
	assert_same(p, q);
	prof_free(q);
	unlink(path);
	assert_int_equal(pprof_read(path, &q, &why), -ENOENT);
	assert_null(q);
	rmdir(dir);
	prof_free(p);
	buf_release(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_raw_protobuf_accepted),
		cmocka_unit_test(test_truncated_and_garbage),
		cmocka_unit_test(test_dangling_reference),
		cmocka_unit_test(test_write_and_read_file),
	};

	return cmocka_run_group_tests_name("pprof", tests, NULL, NULL);
}
