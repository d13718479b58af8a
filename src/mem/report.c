#include "mem/known.h"
#include "mem/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/intern.h"
#include "base/jsonw.h"
#include "base/term.h"
#include "base/units.h"
#include "base/util.h"
#include "base/xalloc.h"
#include "mem/trace.h"
#include "mem/wire.h"
#include "prof/profile.h"
#include "sym/sym.h"
#include "version.h"

/* The frames of one stack, symbolized once (for the stacks shown). */
struct stack_frames {
	struct mem_frame_info *f; /* NULL until resolved */
	size_t n;
};

/*
 * Each distinct address of each program image is symbolized once: a
 * program has thousands of stacks of tens of frames, but a few thousand
 * addresses (an interpreter's loop appears in every stack).
 */
struct addr_entry {
	uint64_t addr;
	uint32_t gen;
	uint32_t loc;	 /* its pprof location, 0 until made */
	bool resolved;
	struct mem_frame_info fi;
};

struct mem_report {
	struct mem_trace *t;
	struct mem_heap *h;
	struct mem_report_opts opts;
	struct symbolizer *sym;
	struct sym_maps **maps; /* per program image, index = generation */
	size_t nmaps;
	struct stack_frames *frames;
	struct addr_entry *addrs;
	size_t naddrs, aaddrs;
	uint32_t *addr_slots; /* open addressing: index + 1 into addrs, 0 empty */
	size_t addr_cap;
	struct mem_site *sites;
	size_t nsites, asites;
	bool *known_stack;  /* per stack: a known start-up allocation's (build_sites) */
	struct buf scratch; /* names made up here ("[stack lost]"...) live in strs */
	char **strs;
	size_t nstrs, astrs;
	/* Sampled (else NULL): the sampling, and the totals with counts and estimates. */
	const struct mem_sampling *smp;
	struct mem_totals est_tot;
};

static const char *keep(struct mem_report *r, const char *s)
{
	ALLOC_GROW(r->strs, r->nstrs, r->astrs);
	r->strs[r->nstrs] = xstrdup(s);
	return r->strs[r->nstrs++];
}

/* --- address spaces, from the modules the target sent ---------------------- */

static void build_maps(struct mem_report *r)
{
	uint32_t gens = mem_trace_generation(r->t);

	for (size_t i = 0; i < mem_trace_nmodules(r->t); i++)
		if (mem_trace_module(r->t, i)->gen > gens)
			gens = mem_trace_module(r->t, i)->gen;
	r->nmaps = (size_t)gens + 1;
	r->maps = xcalloc(r->nmaps, sizeof(*r->maps));
	for (size_t i = 0; i < mem_trace_nmodules(r->t); i++) {
		const struct mem_module *m = mem_trace_module(r->t, i);
		/* As /proc/PID/maps would show it: page-aligned start and offset. */
		uint64_t start = m->start & ~4095ULL;

		if (!r->maps[m->gen])
			r->maps[m->gen] = sym_maps_new(0);
		sym_maps_add(r->maps[m->gen], start, m->end - start, m->offset & ~4095ULL, m->path,
			     m->build_id, m->build_id_len, true);
	}
}

static const struct sym_maps *maps_of(const struct mem_report *r, uint32_t gen)
{
	return gen < r->nmaps ? r->maps[gen] : NULL;
}

/* --- symbolizing stacks ------------------------------------------------------ */

static void frame_of(struct mem_report *r, uint32_t gen, uint64_t addr,
		     struct mem_frame_info *fi)
{
	uint64_t file_addr = 0;

	memset(fi, 0, sizeof(*fi));
	fi->file = "";
	fi->module = "";
	if (addr & MW_SYNTHETIC) {
		const struct mem_synth_frame *s = mem_trace_synth(r->t, gen, addr);

		fi->synthetic = true;
		if (s) {
			fi->function = s->name;
			fi->file = s->file;
			fi->line = (int)s->line;
		} else {
			struct buf b = BUF_INIT;

			buf_addf(&b, "[frame %#" PRIx64 "]", (uint64_t)(addr & ~MW_SYNTHETIC));
			fi->function = keep(r, b.ptr);
			buf_release(&b);
		}
		return;
	}
	fi->address = addr;
	{
		struct sym_result res;

		/* A return address: the call instruction is the byte before it. */
		sym_resolve(r->sym, maps_of(r, gen), addr - 1, &res);
		fi->module = res.module ? res.module : "";
		file_addr = res.file_addr ? res.file_addr + 1 : 0;
		if (res.nr_frames) {
			/* Innermost first: an inlined callee names the site best. */
			fi->function = res.frames[0].name;
			fi->file = res.frames[0].file ? res.frames[0].file : "";
			fi->line = res.frames[0].line;
		}
	}
	if (!fi->function) {
		struct buf b = BUF_INIT;
		const char *base = strrchr(fi->module, '/');

		if (*fi->module && file_addr)
			buf_addf(&b, "%s+%#" PRIx64, base ? base + 1 : fi->module, file_addr);
		else
			buf_addf(&b, "[unknown %#" PRIx64 "]", addr);
		fi->function = keep(r, b.ptr);
		buf_release(&b);
	}
}

static struct addr_entry *addr_entry(struct mem_report *r, uint32_t gen, uint64_t addr)
{
	size_t i;

	if ((r->naddrs + 1) * 2 > r->addr_cap) {
		size_t cap = r->addr_cap ? r->addr_cap * 2 : 4096;

		free(r->addr_slots);
		r->addr_slots = xcalloc(cap, sizeof(*r->addr_slots));
		r->addr_cap = cap;
		for (size_t k = 0; k < r->naddrs; k++) {
			i = hash_mix64(r->addrs[k].addr ^ r->addrs[k].gen) & (cap - 1);
			while (r->addr_slots[i])
				i = (i + 1) & (cap - 1);
			r->addr_slots[i] = (uint32_t)k + 1;
		}
	}
	i = hash_mix64(addr ^ gen) & (r->addr_cap - 1);
	while (r->addr_slots[i]) {
		struct addr_entry *e = &r->addrs[r->addr_slots[i] - 1];

		if (e->addr == addr && e->gen == gen)
			return e;
		i = (i + 1) & (r->addr_cap - 1);
	}
	ALLOC_GROW(r->addrs, r->naddrs, r->aaddrs);
	r->addrs[r->naddrs].addr = addr;
	r->addrs[r->naddrs].gen = gen;
	r->addrs[r->naddrs].loc = 0;
	r->addrs[r->naddrs].resolved = false;
	r->addr_slots[i] = (uint32_t)++r->naddrs;
	return &r->addrs[r->naddrs - 1];
}

/* The frame at addr in image gen, symbolized once. Valid until the next call. */
static const struct mem_frame_info *frame_at(struct mem_report *r, uint32_t gen, uint64_t addr)
{
	struct addr_entry *e = addr_entry(r, gen, addr);

	if (!e->resolved) {
		frame_of(r, gen, addr, &e->fi);
		e->resolved = true;
	}
	return &e->fi;
}

const struct mem_frame_info *mem_report_frames(struct mem_report *r, uint32_t s, size_t *n)
{
	const struct mem_stack *st = mem_trace_stack(r->t, s);
	struct stack_frames *sf;

	*n = 0;
	if (!st)
		return NULL;
	sf = &r->frames[s];
	if (!sf->f) {
		if (!st->frames) {
			/* Its MW_STACK never came (the target died first). */
			sf->n = 1;
			sf->f = xcalloc(1, sizeof(*sf->f));
			sf->f[0].function = "[stack not received]";
			sf->f[0].file = "";
			sf->f[0].module = "";
		} else {
			sf->n = st->nframes;
			sf->f = xcalloc(st->nframes ? st->nframes : 1, sizeof(*sf->f));
			for (size_t i = 0; i < st->nframes; i++)
				sf->f[i] = *frame_at(r, st->gen, st->frames[i]);
		}
	}
	*n = sf->n;
	return sf->f;
}

/*
 * Functions that only pass an allocation on: the site is their caller.
 * C++'s operator new (every variant), the C string duplicators, and
 * CPython's allocator layers.
 */
static bool is_wrapper(const char *fn)
{
	static const char *const prefixes[] = {
		"operator new", "PyMem_", "PyObject_Malloc", "PyObject_Calloc",
		"PyObject_Realloc", "_PyObject_Malloc", "_PyObject_Calloc", "_PyObject_Realloc",
		"_PyMem_", "pymalloc_",
	};
	static const char *const names[] = {
		"malloc", "calloc", "realloc", "strdup", "__strdup", "strndup",
		"__strndup", "wcsdup", "reallocarray", "aligned_alloc", "posix_memalign",
	};

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (starts_with(fn, prefixes[i]))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(fn, names[i]))
			return true;
	return false;
}

static void add_stats(struct mem_stack_stats *to, const struct mem_stack_stats *s)
{
	to->allocs += s->allocs;
	to->alloc_bytes += s->alloc_bytes;
	to->temps += s->temps;
	to->temp_bytes += s->temp_bytes;
	to->live += s->live;
	to->live_bytes += s->live_bytes;
	to->peak += s->peak;
	to->peak_bytes += s->peak_bytes;
	to->max_live_bytes += s->max_live_bytes;
}

/* --- sampled runs: estimates in place of the sums ----------------------------- */

static void est_add(struct mem_estimate *to, const struct mem_estimate *e)
{
	to->allocs += e->allocs;
	to->bytes += e->bytes;
	to->live += e->live;
	to->live_bytes += e->live_bytes;
	to->peak += e->peak;
	to->peak_bytes += e->peak_bytes;
	to->freed += e->freed;
	to->freed_bytes += e->freed_bytes;
}

/* Stack s's estimates into its site's (the samples are independent: variances add). */
static void add_estimates(struct mem_report *r, struct mem_site *site, uint32_t s)
{
	const struct mem_estimate *var, *e = mem_heap_stack_est(r->h, s, &var);

	if (e) {
		est_add(&site->est, e);
		est_add(&site->var, var);
	}
}

static uint64_t rounded(double v)
{
	return v > 0 ? (uint64_t)llround(v) : 0;
}

/* The figures a sampled site shows and is sorted by: its estimates. */
static void round_estimates(struct mem_site *site)
{
	struct mem_stack_stats *t = &site->sum;

	t->allocs = rounded(site->est.allocs);
	t->alloc_bytes = rounded(site->est.bytes);
	t->live = rounded(site->est.live);
	t->live_bytes = rounded(site->est.live_bytes);
	t->peak = rounded(site->est.peak);
	t->peak_bytes = rounded(site->est.peak_bytes);
	t->temps = t->temp_bytes = 0; /* not measured */
	t->max_live_bytes = 0;
}

/*
 * The totals of a sampled run: what the threads counted (allocations,
 * bytes, frees, reallocs), the mappings as traced, and estimates of the
 * rest.
 */
static void sampled_totals(struct mem_report *r)
{
	const struct mem_totals *t = mem_heap_totals(r->h);
	const struct mem_sampling *m = r->smp;
	struct mem_totals *o = &r->est_tot;

	*o = *t;
	o->allocs = m->allocs + t->mmaps;
	o->alloc_bytes = m->bytes + t->mmap_bytes;
	o->frees = m->frees;
	o->reallocs = m->reallocs;
	o->freed_bytes = rounded(m->est.freed_bytes);
	o->temps = o->temp_bytes = 0;
	o->live = rounded(m->est.live);
	o->live_bytes = rounded(m->est.live_bytes);
	o->peak_bytes = rounded(m->est.peak_bytes);
	o->peak_blocks = rounded(m->est.peak);
	o->peak_seq = m->peak_seq;
}

/*
 * The variances of the estimated leaks (sampled): of every site's live
 * figures but the known start-up ones' (kept apart from the leaks).
 */
static void leak_variance(const struct mem_report *r, double *bytes, double *blocks)
{
	*bytes = *blocks = 0;
	for (size_t i = 0; i < r->nsites; i++)
		if (!r->sites[i].known) {
			*bytes += r->sites[i].var.live_bytes;
			*blocks += r->sites[i].var.live;
		}
}

/* The totals the report gives: a sampled run's, or the heap's. */
static const struct mem_totals *totals(const struct mem_report *r)
{
	return r->smp ? &r->est_tot : mem_heap_totals(r->h);
}

/* One standard error, from a variance (which rounding may leave a hair below 0). */
static double std_error(double var)
{
	return var > 0 ? sqrt(var) : 0;
}

/* One standard error of an estimate whose variance is var, relative to it (0 if none). */
static double rel_error(double est, double var)
{
	return est > 0 && var > 0 ? sqrt(var) / est : 0;
}

static int cmp_sites(const void *a, const void *b)
{
	const struct mem_site *x = a, *y = b;

	if (x->sum.alloc_bytes != y->sum.alloc_bytes)
		return x->sum.alloc_bytes > y->sum.alloc_bytes ? -1 : 1;
	if (x->sum.allocs != y->sum.allocs)
		return x->sum.allocs > y->sum.allocs ? -1 : 1;
	return strcmp(x->frame.function, y->frame.function);
}

/* Group the stacks by site. Sites are keyed by (function, file, line, module). */
static void build_sites(struct mem_report *r)
{
	uint32_t nst = mem_heap_nstacks(r->h);
	struct buf key = BUF_INIT;
	struct intern *keys = intern_new();
	size_t *site_of_key = NULL, alloc_keys = 0;

	r->known_stack = xcalloc(nst + 1, sizeof(*r->known_stack));

	for (uint32_t s = 0; s < nst; s++) {
		const struct mem_stack_stats *st = mem_heap_stack(r->h, s);
		const struct mem_stack *stk;
		const struct mem_frame_info *f;
		struct mem_site *site;
		size_t n, depth = 0;
		uint32_t id;

		if (!st || (!st->allocs && !st->live))
			continue;
		stk = mem_trace_stack(r->t, s);
		if (stk && stk->frames && stk->nframes) {
			/* Only the frames up to the site: the rest when it is shown. */
			n = stk->nframes;
			f = frame_at(r, stk->gen, stk->frames[0]);
			while (depth + 1 < n && is_wrapper(f->function))
				f = frame_at(r, stk->gen, stk->frames[++depth]);
		} else {
			f = mem_report_frames(r, s, &n);
		}
		buf_reset(&key);
		buf_addf(&key, "%s%c%s%c%d%c%s", f->function, 0, f->file, 0, f->line, 0,
			 f->module);
		id = intern_id(keys, key.ptr, key.len);
		if (id >= alloc_keys) {
			size_t old = alloc_keys;

			alloc_keys = (id + 1) * 2;
			site_of_key = xreallocarray(site_of_key, alloc_keys, sizeof(*site_of_key));
			for (size_t i = old; i < alloc_keys; i++)
				site_of_key[i] = SIZE_MAX;
		}
		if (site_of_key[id] == SIZE_MAX) {
			ALLOC_GROW(r->sites, r->nsites, r->asites);
			site = &r->sites[r->nsites];
			memset(site, 0, sizeof(*site));
			site->frame = *f;
			site->stack = s;
			site->depth = depth;
			site_of_key[id] = r->nsites++;
		} else {
			site = &r->sites[site_of_key[id]];
			if (st->alloc_bytes > mem_heap_stack(r->h, site->stack)->alloc_bytes) {
				site->stack = s;
				site->depth = depth;
			}
		}
		site->nstacks++;
		add_stats(&site->sum, st);
		if (site->nstacks == 1) {
			size_t nf;
			const struct mem_frame_info *all = mem_report_frames(r, s, &nf);

			site->known = all ? mem_known_startup(all, nf, depth) : NULL;
		}
		if (site->known)
			r->known_stack[s] = true;
		if (r->smp)
			add_estimates(r, site, s);
	}
	if (r->smp)
		for (size_t i = 0; i < r->nsites; i++)
			round_estimates(&r->sites[i]);
	if (r->nsites)
		qsort(r->sites, r->nsites, sizeof(*r->sites), cmp_sites);
	free(site_of_key);
	intern_free(keys);
	buf_release(&key);
}

struct mem_report *mem_report_new(struct mem_trace *t, const struct mem_report_opts *opts)
{
	struct mem_report *r = xcalloc(1, sizeof(*r));

	r->t = t;
	r->h = mem_trace_heap(t);
	r->opts = *opts;
	if (!r->opts.top)
		r->opts.top = 10;
	r->sym = sym_new(0);
	buf_init(&r->scratch, 0);
	r->smp = mem_heap_sampling(r->h);
	if (r->smp)
		sampled_totals(r);
	build_maps(r);
	r->frames = xcalloc(mem_trace_nstacks(t) + 1, sizeof(*r->frames));
	build_sites(r);
	return r;
}

void mem_report_free(struct mem_report *r)
{
	if (!r)
		return;
	for (uint32_t s = 0; s < mem_trace_nstacks(r->t); s++)
		free(r->frames[s].f);
	free(r->frames);
	free(r->addrs);
	free(r->addr_slots);
	for (size_t i = 0; i < r->nmaps; i++)
		if (r->maps[i])
			sym_maps_free(r->maps[i]);
	free(r->maps);
	free(r->sites);
	free(r->known_stack);
	for (size_t i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	free(r->strs);
	buf_release(&r->scratch);
	sym_free(r->sym);
	free(r);
}

const struct mem_site *mem_report_sites(const struct mem_report *r, size_t *n)
{
	*n = r->nsites;
	return r->sites;
}

/* --- the terminal summary ----------------------------------------------------- */

static void add_bytes(struct buf *b, uint64_t v)
{
	format_bytes(b, (double)v);
}

static void add_count(struct buf *b, uint64_t v)
{
	format_count(b, v);
}

/* "fn  file:line" (the file shortened to what follows the last '/src/', or its name). */
static void add_place(struct buf *b, const struct mem_frame_info *f)
{
	buf_addstr(b, f->function);
	if (f->file && *f->file) {
		const char *file = f->file, *cut = strrchr(file, '/');

		/* Long absolute paths: the last two components say enough. */
		if (file[0] == '/' && cut) {
			const char *prev = cut;

			while (prev > file && prev[-1] != '/')
				prev--;
			if (prev > file)
				file = prev;
		}
		buf_addf(b, "  %s", file);
		if (f->line)
			buf_addf(b, ":%d", f->line);
	}
}

/* "called from a, b, c" for the frames after the site's. */
static void add_callers(struct mem_report *r, struct buf *b, const struct mem_site *site,
			const char *indent)
{
	size_t n;
	const struct mem_frame_info *f = mem_report_frames(r, site->stack, &n);
	size_t shown = 0;

	size_t i;

	for (i = site->depth + 1; i < n && shown < 3; i++) {
		/* The C runtime's own start-up frames say nothing. */
		if (starts_with(f[i].function, "__libc_start") || !strcmp(f[i].function, "_start"))
			break;
		buf_addstr(b, shown ? ", " : indent);
		if (!shown)
			buf_addstr(b, "from ");
		buf_addstr(b, f[i].function);
		shown++;
	}
	if (shown) {
		if (i < n && shown == 3)
			buf_addstr(b, ", ...");
		buf_addch(b, '\n');
	}
}

typedef uint64_t (*site_key_fn)(const struct mem_site *s);

static uint64_t key_peak(const struct mem_site *s)
{
	return s->sum.peak_bytes;
}

static uint64_t key_allocs(const struct mem_site *s)
{
	return s->sum.allocs;
}

static uint64_t key_temps(const struct mem_site *s)
{
	return s->sum.temps;
}

static uint64_t key_leaks(const struct mem_site *s)
{
	return s->known ? 0 : s->sum.live_bytes;
}

static uint64_t key_known(const struct mem_site *s)
{
	return s->known ? s->sum.live_bytes : 0;
}

/* What the known start-up allocations still hold at exit. */
static void known_totals(const struct mem_report *r, uint64_t *bytes, uint64_t *blocks)
{
	const struct mem_totals *t = totals(r);

	*bytes = *blocks = 0;
	for (size_t i = 0; i < r->nsites; i++) {
		if (!r->sites[i].known)
			continue;
		*bytes += r->sites[i].sum.live_bytes;
		*blocks += r->sites[i].sum.live;
	}
	/* Estimates rounded site by site may add up past the rounded total. */
	if (*bytes > t->live_bytes)
		*bytes = t->live_bytes;
	if (*blocks > t->live)
		*blocks = t->live;
}

static site_key_fn sort_key;

static int cmp_by_key(const void *a, const void *b)
{
	const struct mem_site *const *x = a, *const *y = b;
	uint64_t kx = sort_key(*x), ky = sort_key(*y);

	if (kx != ky)
		return kx > ky ? -1 : 1;
	return cmp_sites(*x, *y);
}

/* The sites with a non-zero key, largest first, above the threshold. */
static const struct mem_site **sites_by(struct mem_report *r, site_key_fn key,
					uint64_t (*bytes)(const struct mem_site *), size_t *n)
{
	const struct mem_site **v = xcalloc(r->nsites + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < r->nsites; i++)
		if (key(&r->sites[i]) && bytes(&r->sites[i]) >= r->opts.threshold)
			v[(*n)++] = &r->sites[i];
	sort_key = key;
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_by_key);
	return v;
}

static uint64_t bytes_alloc(const struct mem_site *s)
{
	return s->sum.alloc_bytes;
}

static uint64_t bytes_temp(const struct mem_site *s)
{
	return s->sum.temp_bytes;
}

/* " ± 3.2 %": one standard error, relative; nothing for an exact figure. */
static void add_error(struct buf *b, double est, double var)
{
	double e = 100 * rel_error(est, var);

	/* Below 0.05 %, all but exact (a sample as large as the rate or more). */
	if (e >= 0.05)
		buf_addf(b, e < 10 ? "%s± %.1f %%" : "%s± %.0f %%", b->len ? " " : "", e);
}

/* A sampled site's error column: "± 3.2 %" (or blank when exact), fixed width. */
static void error_col(const struct mem_report *r, struct buf *out, double est, double var)
{
	struct buf e = BUF_INIT;

	if (!r->smp)
		return;
	add_error(&e, est, var);
	buf_addf(out, "%-9s", e.ptr);
	buf_release(&e);
}

/* "~" before an estimate. */
static const char *tilde(const struct mem_report *r)
{
	return r->smp ? "~" : "";
}

static void text_row(struct buf *out, const char *a, const char *b, const char *c)
{
	buf_addf(out, "   %-22s%14s", a, b);
	if (*c)
		buf_addf(out, "   %s", c);
	buf_addch(out, '\n');
}

void mem_report_text(struct mem_report *r, const struct mem_run_info *run, bool color,
		     struct buf *out)
{
	const struct mem_totals *t = totals(r);
	struct mem_trace_stats ts;
	struct buf a = BUF_INIT, b = BUF_INIT;
	const char *bold = term_c(color, TERM_BOLD), *reset = term_c(color, TERM_RESET);
	const struct mem_site **v;
	size_t n;
	double peak_time = (double)mem_heap_time_of(r->h, t->peak_seq) / 1e9;

	mem_trace_get_stats(r->t, &ts);
	buf_addf(out, "\n %sMemory of '%s'%s (", bold, run->command, reset);
	if (run->attached_pid)
		buf_addf(out, "pid %d, ", run->attached_pid);
	buf_addf(out, "%s, ", run->status);
	format_duration(out, run->duration);
	buf_addstr(out, "):\n\n");
	if (run->attached_pid)
		buf_addstr(out, "   attached to a running process: the figures cover the time attached;\n"
				"   blocks allocated before the attach are unknown\n\n");
	if (r->smp) {
		buf_addstr(out, "   sampled: one allocation per ");
		add_bytes(out, (uint64_t)r->smp->rate);
		buf_addf(out, " allocated, on average (seed %" PRIu64 ", ", run->sample_seed);
		add_count(out, r->smp->samples);
		buf_addstr(out, " samples)\n   ~ marks an estimate, ± its standard error; "
				"allocations, bytes and frees are counted\n\n");
	}

	add_count(&a, t->allocs);
	add_bytes(&b, t->alloc_bytes);
	if (run->duration > 0) {
		buf_addstr(&b, ", ");
		add_count(&b, (uint64_t)((double)t->allocs / run->duration));
		buf_addstr(&b, "/s");
	}
	text_row(out, "allocations", a.ptr, b.ptr);
	buf_reset(&a);
	buf_reset(&b);
	add_count(&a, t->frees);
	text_row(out, "frees", a.ptr, "");
	buf_reset(&a);
	if (run->attached_pid && r->smp) {
		/* Only the frees of sampled blocks are sent. */
		text_row(out, "frees of older blocks", "-", "not known when sampling");
	} else if (run->attached_pid) {
		add_count(&a, t->untracked_frees);
		text_row(out, "frees of older blocks", a.ptr, "allocated before the attach");
		buf_reset(&a);
	}
	if (r->smp) {
		text_row(out, "temporary", "-", "not measured when sampling");
	} else {
		add_count(&a, t->temps);
		add_bytes(&b, t->temp_bytes);
		if (t->allocs)
			buf_addf(&b, " (%.1f %% of allocations)",
				 100.0 * (double)t->temps / (double)t->allocs);
		text_row(out, "temporary", a.ptr, b.ptr);
	}
	buf_reset(&a);
	buf_reset(&b);
	buf_addstr(&a, tilde(r));
	add_bytes(&a, t->peak_bytes);
	if (r->smp) {
		add_error(&b, r->smp->est.peak_bytes, r->smp->var.peak_bytes);
		buf_addstr(&b, b.len ? ", " : "");
	}
	buf_addf(&b, "in %s", tilde(r));
	add_count(&b, t->peak_blocks);
	buf_addstr(&b, " blocks, at ");
	format_duration(&b, peak_time);
	text_row(out, "peak heap", a.ptr, b.ptr);
	buf_reset(&a);
	buf_reset(&b);
	if (run->max_rss) {
		add_bytes(&a, run->max_rss);
		text_row(out, "peak RSS", a.ptr, "");
		buf_reset(&a);
	}
	if (r->opts.leaks) {
		uint64_t kb, kn;

		known_totals(r, &kb, &kn);
		buf_addstr(&a, tilde(r));
		add_bytes(&a, t->live_bytes - kb);
		if (r->smp) {
			double vb, vn;

			leak_variance(r, &vb, &vn);
			add_error(&b, (double)(t->live_bytes - kb), vb);
			buf_addstr(&b, b.len ? ", " : "");
		}
		buf_addf(&b, "in %s", tilde(r));
		add_count(&b, t->live - kn);
		buf_addstr(&b, " blocks");
		if (run->attached_pid)
			buf_addstr(&b, run->exited ? ", allocated while attached (it ended)"
						   : ", allocated while attached");
		else if (!run->exited)
			buf_addstr(&b, " (when it was killed)");
		text_row(out, run->attached_pid ? "still allocated" : "leaked", a.ptr, b.ptr);
		buf_reset(&a);
		buf_reset(&b);
		if (kn) {
			buf_addstr(&a, tilde(r));
			add_bytes(&a, kb);
			buf_addf(&b, "in %s", tilde(r));
			add_count(&b, kn);
			buf_addstr(&b, " blocks, never freed by design (below)");
			text_row(out, "kept from start-up", a.ptr, b.ptr);
			buf_reset(&a);
			buf_reset(&b);
		}
	}

	v = sites_by(r, key_peak, key_peak, &n);
	if (n) {
		buf_addf(out, "\n %sPeak heap by site%s (%s", bold, reset, tilde(r));
		add_bytes(out, t->peak_bytes);
		buf_addstr(out, "):\n");
		for (size_t i = 0; i < n && i < r->opts.top; i++) {
			buf_reset(&a);
			buf_reset(&b);
			buf_addstr(&a, tilde(r));
			add_bytes(&a, v[i]->sum.peak_bytes);
			buf_addstr(&b, tilde(r));
			add_count(&b, v[i]->sum.peak);
			buf_addf(out, "   %11s ", a.ptr);
			error_col(r, out, v[i]->est.peak_bytes, v[i]->var.peak_bytes);
			buf_addf(out, "%5.1f %%  %9s blocks  ",
				 t->peak_bytes ? 100.0 * (double)v[i]->sum.peak_bytes / (double)t->peak_bytes : 0,
				 b.ptr);
			add_place(out, &v[i]->frame);
			buf_addch(out, '\n');
			add_callers(r, out, v[i], "                                       ");
		}
	}
	free(v);

	v = sites_by(r, key_allocs, bytes_alloc, &n);
	if (n) {
		buf_addf(out, "\n %sMost allocations by site%s:\n", bold, reset);
		for (size_t i = 0; i < n && i < r->opts.top; i++) {
			buf_reset(&a);
			buf_reset(&b);
			buf_addstr(&a, tilde(r));
			add_count(&a, v[i]->sum.allocs);
			buf_addstr(&b, tilde(r));
			add_bytes(&b, v[i]->sum.alloc_bytes);
			buf_addf(out, "   %11s  %11s ", a.ptr, b.ptr);
			error_col(r, out, v[i]->est.bytes, v[i]->var.bytes);
			buf_addch(out, ' ');
			add_place(out, &v[i]->frame);
			buf_addch(out, '\n');
		}
	}
	free(v);

	v = sites_by(r, key_temps, bytes_temp, &n);
	if (n) {
		buf_addf(out, "\n %sTemporary allocations by site%s (freed before the thread's next allocation):\n",
			 bold, reset);
		for (size_t i = 0; i < n && i < r->opts.top; i++) {
			buf_reset(&a);
			buf_reset(&b);
			add_count(&a, v[i]->sum.temps);
			add_count(&b, v[i]->sum.allocs);
			buf_addf(out, "   %11s of %-11s ", a.ptr, b.ptr);
			add_place(out, &v[i]->frame);
			buf_addch(out, '\n');
		}
	}
	free(v);

	if (r->opts.leaks) {
		v = sites_by(r, key_leaks, key_leaks, &n);
		if (n) {
			if (run->attached_pid)
				buf_addf(out, "\n %sStill allocated at the end by site%s (allocated "
					 "while attached, not freed):\n", bold, reset);
			else
				buf_addf(out, "\n %sLeaks by site%s (still allocated at exit):\n",
					 bold, reset);
			for (size_t i = 0; i < n && i < r->opts.top; i++) {
				buf_reset(&a);
				buf_reset(&b);
				buf_addstr(&a, tilde(r));
				add_bytes(&a, v[i]->sum.live_bytes);
				buf_addstr(&b, tilde(r));
				add_count(&b, v[i]->sum.live);
				buf_addf(out, "   %11s ", a.ptr);
				error_col(r, out, v[i]->est.live_bytes, v[i]->var.live_bytes);
				buf_addf(out, " %9s blocks  ", b.ptr);
				add_place(out, &v[i]->frame);
				buf_addch(out, '\n');
				add_callers(r, out, v[i], "                                ");
			}
		}
		free(v);
		v = sites_by(r, key_known, key_known, &n);
		if (n) {
			buf_addf(out, "\n %sKept from start-up by design%s (not leaks):\n", bold,
				 reset);
			for (size_t i = 0; i < n; i++) {
				buf_reset(&a);
				buf_reset(&b);
				add_bytes(&a, v[i]->sum.live_bytes);
				add_count(&b, v[i]->sum.live);
				buf_addf(out, "   %11s  %9s blocks  %s  (", a.ptr, b.ptr,
					 v[i]->known->what);
				add_place(out, &v[i]->frame);
				buf_addf(out, ")\n                                rule: %s\n",
					 v[i]->known->rule);
			}
		}
		free(v);
	}

	if (ts.missing_events || run->forks_left_out || run->bad_rings || t->images > 1 ||
	    run->attach_errors || (r->smp && !run->exited)) {
		buf_addch(out, '\n');
		if (r->smp && !run->exited)
			buf_addstr(out, "   note: killed: what each thread counted since its last sample "
					"is not in the totals\n");
		if (t->images > 1)
			buf_addf(out, "   note: %" PRIu64 " program images (exec); figures cover them all, "
				 "leaks the last one\n", t->images);
		if (run->forks_left_out)
			buf_addf(out, "   note: %u child process%s not traced (only the program and "
				 "what it execs into are)\n",
				 run->forks_left_out, run->forks_left_out == 1 ? " was" : "es were");
		if (ts.missing_events)
			buf_addf(out, "   note: %" PRIu64 " event%s lost %s\n", ts.missing_events,
				 ts.missing_events == 1 ? "" : "s",
				 run->attached_pid && !run->exited
					 ? "at the detach (calls under way then)"
					 : "when the program ended mid-way");
		if (run->bad_rings)
			buf_addf(out, "   warning: %u event stream%s corrupt (events after that lost)\n",
				 run->bad_rings, run->bad_rings == 1 ? " was" : "s were");
		if (run->attach_errors)
			buf_addf(out, "   warning: %u program image%s could not attach to redline\n",
				 run->attach_errors, run->attach_errors == 1 ? "" : "s");
	}
	buf_addch(out, '\n');
	buf_release(&a);
	buf_release(&b);
}

/* --- JSON ------------------------------------------------------------------------ */

static void json_frame(struct jw *w, const struct mem_frame_info *f)
{
	char addr[32];

	jw_object_begin(w);
	jw_kv_string(w, "function", f->function);
	jw_key(w, "file");
	if (*f->file)
		jw_string(w, f->file);
	else
		jw_null(w);
	jw_key(w, "line");
	if (f->line)
		jw_int(w, f->line);
	else
		jw_null(w);
	jw_key(w, "module");
	if (*f->module)
		jw_string(w, f->module);
	else
		jw_null(w);
	jw_key(w, "address");
	if (f->synthetic) {
		jw_null(w);
	} else {
		snprintf(addr, sizeof(addr), "%#" PRIx64, f->address);
		jw_string(w, addr);
	}
	jw_object_end(w);
}

static void json_opt_uint(struct jw *w, const char *key, bool have, uint64_t v);

static void json_site(struct mem_report *r, struct jw *w, const struct mem_site *s)
{
	size_t n;
	const struct mem_frame_info *f = mem_report_frames(r, s->stack, &n);

	jw_object_begin(w);
	jw_key(w, "frame");
	json_frame(w, &s->frame);
	jw_kv_uint(w, "stacks", s->nstacks);
	jw_kv_uint(w, "allocations", s->sum.allocs);
	jw_kv_uint(w, "bytes", s->sum.alloc_bytes);
	json_opt_uint(w, "temporary", !r->smp, s->sum.temps);
	json_opt_uint(w, "temporary_bytes", !r->smp, s->sum.temp_bytes);
	jw_kv_uint(w, "peak_blocks", s->sum.peak);
	jw_kv_uint(w, "peak_bytes", s->sum.peak_bytes);
	jw_kv_uint(w, "leaked_blocks", s->sum.live);
	jw_kv_uint(w, "leaked_bytes", s->sum.live_bytes);
	if (r->smp) {
		/* One standard error of each estimate above. */
		jw_key(w, "errors");
		jw_object_begin(w);
		jw_kv_double(w, "allocations", std_error(s->var.allocs));
		jw_kv_double(w, "bytes", std_error(s->var.bytes));
		jw_kv_double(w, "peak_blocks", std_error(s->var.peak));
		jw_kv_double(w, "peak_bytes", std_error(s->var.peak_bytes));
		jw_kv_double(w, "leaked_blocks", std_error(s->var.live));
		jw_kv_double(w, "leaked_bytes", std_error(s->var.live_bytes));
		jw_object_end(w);
	}
	jw_key(w, "stack");
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		json_frame(w, &f[i]);
	jw_array_end(w);
	jw_object_end(w);
}

static void json_opt_uint(struct jw *w, const char *key, bool have, uint64_t v)
{
	jw_key(w, key);
	if (have)
		jw_uint(w, v);
	else
		jw_null(w);
}

/* The list's first json_top sites; returns how many more there were. */
static size_t json_sites(struct mem_report *r, struct jw *w, site_key_fn key,
			 uint64_t (*bytes)(const struct mem_site *))
{
	size_t n, shown;
	const struct mem_site **v = sites_by(r, key, bytes, &n);

	shown = r->opts.json_top && r->opts.json_top < n ? r->opts.json_top : n;
	jw_array_begin(w);
	for (size_t i = 0; i < shown; i++)
		json_site(r, w, v[i]);
	jw_array_end(w);
	free(v);
	return n - shown;
}

/*
 * The timeline, at most MEM_JSON_MAX_POINTS points: a long run's ticks
 * are merged k at a time (each point the last of its k: its time and
 * heap; the largest heap_max and RSS among them), and the interval is
 * then k times the sampling interval.
 */
static void json_timeline(struct jw *w, const struct mem_tick *ticks, size_t nticks,
			  double interval)
{
	size_t k = (nticks + MEM_JSON_MAX_POINTS - 1) / MEM_JSON_MAX_POINTS;

	if (k < 1)
		k = 1;
	jw_object_begin(w);
	jw_kv_double(w, "interval", interval * (double)k);
	jw_kv_uint(w, "ticks_per_point", k);
	jw_key(w, "points");
	jw_array_begin(w);
	for (size_t i = 0; i < nticks; i += k) {
		size_t end = i + k < nticks ? i + k : nticks;
		uint64_t heap_max = 0, rss = 0;

		for (size_t j = i; j < end; j++) {
			if (ticks[j].heap_max > heap_max)
				heap_max = ticks[j].heap_max;
			if (ticks[j].rss > rss)
				rss = ticks[j].rss;
		}
		jw_object_begin(w);
		jw_kv_double(w, "time", (double)ticks[end - 1].time_ns / 1e9);
		jw_kv_uint(w, "heap", ticks[end - 1].heap);
		jw_kv_uint(w, "heap_max", heap_max);
		json_opt_uint(w, "rss", rss != 0, rss);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

int mem_report_json(struct mem_report *r, const struct mem_run_info *run, FILE *out)
{
	const struct mem_totals *t = totals(r);
	struct mem_trace_stats ts;
	const struct mem_tick *ticks;
	size_t nticks;
	struct jw w;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	uint64_t peak_ns = mem_heap_time_of(r->h, t->peak_seq);
	uint64_t rss_at_peak = 0;
	size_t omitted_peak, omitted_leaks = 0, omitted_sites, omitted_temps;

	mem_trace_get_stats(r->t, &ts);
	ticks = mem_heap_ticks(r->h, &nticks);
	/* RSS at the peak: the first sample at or after it. */
	for (size_t i = 0; i < nticks; i++)
		if (ticks[i].time_ns >= peak_ns && ticks[i].rss) {
			rss_at_peak = ticks[i].rss;
			break;
		}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);

	jw_init(&w, out, JW_PRETTY);
	jw_object_begin(&w);
	jw_kv_string(&w, "format", "redline-mem/1");
	jw_kv_string(&w, "redline_version", REDLINE_VERSION);
	jw_kv_string(&w, "created", when);
	jw_kv_string(&w, "command", run->command);
	if (run->attached_pid) {
		jw_key(&w, "attach");
		jw_object_begin(&w);
		jw_kv_uint(&w, "pid", (uint64_t)run->attached_pid);
		jw_kv_double(&w, "latency", run->attach_latency);
		jw_kv_bool(&w, "ended", run->exited);
		jw_object_end(&w);
	}
	jw_key(&w, "status");
	jw_object_begin(&w);
	jw_kv_string(&w, "description", run->status);
	json_opt_uint(&w, "exit_code", run->exited && !run->attached_pid, (uint64_t)run->exit_code);
	jw_key(&w, "signal");
	if (run->signal) {
		const char *name = sigabbrev_np(run->signal);
		struct buf b = BUF_INIT;

		buf_addf(&b, "SIG%s", name ? name : "?");
		jw_string(&w, b.ptr);
		buf_release(&b);
	} else {
		jw_null(&w);
	}
	jw_object_end(&w);
	jw_kv_double(&w, "duration", run->duration);
	jw_key(&w, "profile");
	if (run->profile)
		jw_string(&w, run->profile);
	else
		jw_null(&w);
	jw_key(&w, "sampling");
	if (r->smp) {
		jw_object_begin(&w);
		jw_kv_uint(&w, "rate", (uint64_t)r->smp->rate);
		jw_kv_uint(&w, "seed", run->sample_seed);
		jw_kv_uint(&w, "samples", r->smp->samples);
		jw_object_end(&w);
	} else {
		jw_null(&w);
	}

	jw_key(&w, "totals");
	jw_object_begin(&w);
	jw_kv_uint(&w, "allocations", t->allocs);
	jw_kv_uint(&w, "bytes", t->alloc_bytes);
	jw_kv_uint(&w, "frees", t->frees);
	jw_kv_uint(&w, "freed_bytes", t->freed_bytes);
	jw_kv_uint(&w, "reallocs", t->reallocs);
	jw_kv_uint(&w, "mmaps", t->mmaps);
	jw_kv_uint(&w, "mmap_bytes", t->mmap_bytes);
	jw_kv_double(&w, "allocations_per_second",
		     run->duration > 0 ? (double)t->allocs / run->duration : 0);
	jw_kv_double(&w, "bytes_per_second",
		     run->duration > 0 ? (double)t->alloc_bytes / run->duration : 0);
	json_opt_uint(&w, "temporary", !r->smp, t->temps);
	json_opt_uint(&w, "temporary_bytes", !r->smp, t->temp_bytes);
	jw_kv_uint(&w, "untracked_frees", t->untracked_frees);
	if (r->smp) {
		jw_key(&w, "errors");
		jw_object_begin(&w);
		jw_kv_double(&w, "freed_bytes", std_error(r->smp->var.freed_bytes));
		jw_object_end(&w);
	}
	jw_object_end(&w);

	jw_key(&w, "peak");
	jw_object_begin(&w);
	jw_kv_uint(&w, "bytes", t->peak_bytes);
	jw_kv_uint(&w, "blocks", t->peak_blocks);
	if (r->smp) {
		jw_key(&w, "errors");
		jw_object_begin(&w);
		jw_kv_double(&w, "bytes", std_error(r->smp->var.peak_bytes));
		jw_kv_double(&w, "blocks", std_error(r->smp->var.peak));
		jw_object_end(&w);
	}
	jw_kv_double(&w, "time", (double)peak_ns / 1e9);
	json_opt_uint(&w, "rss", rss_at_peak != 0, rss_at_peak);
	jw_key(&w, "sites");
	omitted_peak = json_sites(r, &w, key_peak, key_peak);
	jw_object_end(&w);
	json_opt_uint(&w, "peak_rss", run->max_rss != 0, run->max_rss);

	jw_key(&w, "leaks");
	if (r->opts.leaks) {
		uint64_t kb, kn;
		size_t nk;
		const struct mem_site **known = sites_by(r, key_known, key_known, &nk);

		known_totals(r, &kb, &kn);
		jw_object_begin(&w);
		jw_kv_uint(&w, "bytes", t->live_bytes - kb);
		jw_kv_uint(&w, "blocks", t->live - kn);
		if (r->smp) {
			double vb, vn;

			leak_variance(r, &vb, &vn);
			jw_key(&w, "errors");
			jw_object_begin(&w);
			jw_kv_double(&w, "bytes", std_error(vb));
			jw_kv_double(&w, "blocks", std_error(vn));
			jw_object_end(&w);
		}
		jw_kv_bool(&w, "at_exit", run->exited);
		jw_key(&w, "sites");
		omitted_leaks = json_sites(r, &w, key_leaks, key_leaks);
		/* Never freed by design: apart, with the rule that knew each. */
		jw_key(&w, "kept_from_startup");
		jw_array_begin(&w);
		for (size_t i = 0; i < nk; i++) {
			jw_object_begin(&w);
			jw_kv_string(&w, "what", known[i]->known->what);
			jw_kv_string(&w, "rule", known[i]->known->rule);
			jw_kv_uint(&w, "bytes", known[i]->sum.live_bytes);
			jw_kv_uint(&w, "blocks", known[i]->sum.live);
			jw_key(&w, "frame");
			json_frame(&w, &known[i]->frame);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		free(known);
		jw_object_end(&w);
	} else {
		jw_null(&w);
	}
	jw_key(&w, "sites");
	omitted_sites = json_sites(r, &w, key_allocs, bytes_alloc);
	jw_key(&w, "temporary_sites");
	omitted_temps = json_sites(r, &w, key_temps, bytes_temp);

	/* What the lists leave out: a Python program has a site per line. */
	jw_key(&w, "site_lists");
	jw_object_begin(&w);
	json_opt_uint(&w, "top", r->opts.json_top != 0, r->opts.json_top);
	jw_kv_uint(&w, "threshold", r->opts.threshold);
	jw_key(&w, "omitted");
	jw_object_begin(&w);
	jw_kv_uint(&w, "peak", omitted_peak);
	json_opt_uint(&w, "leaks", r->opts.leaks, omitted_leaks);
	jw_kv_uint(&w, "sites", omitted_sites);
	jw_kv_uint(&w, "temporary_sites", omitted_temps);
	jw_object_end(&w);
	jw_object_end(&w);

	jw_key(&w, "timeline");
	json_timeline(&w, ticks, nticks, run->interval);

	jw_key(&w, "process");
	jw_object_begin(&w);
	jw_kv_uint(&w, "threads", ts.threads);
	jw_kv_uint(&w, "images", t->images);
	jw_kv_uint(&w, "forks_left_out", run->forks_left_out);
	jw_kv_uint(&w, "stacks", mem_trace_nstacks(r->t));
	jw_kv_uint(&w, "events", t->events);
	jw_kv_uint(&w, "missing_events", ts.missing_events);
	jw_kv_uint(&w, "corrupt_streams", run->bad_rings);
	jw_object_end(&w);
	jw_object_end(&w);
	return jw_finish(&w);
}

/* --- the heap profile ---------------------------------------------------------- */

static uint32_t profile_location(struct mem_report *r, struct profile *p, uint32_t gen,
				 uint64_t addr)
{
	if (addr & MW_SYNTHETIC) {
		const struct mem_synth_frame *s = mem_trace_synth(r->t, gen, addr);
		struct prof_line line = { 0, 0, 0 };

		if (s) {
			/* No system name: pprof would "demangle" an equal one ("<module>" to ""). */
			line.function = prof_add_function(p, s->name, "", s->file, 0);
			line.line = s->line;
		} else {
			struct buf b = BUF_INIT;

			buf_addf(&b, "[frame %#" PRIx64 "]", (uint64_t)(addr & ~MW_SYNTHETIC));
			line.function = prof_add_function(p, b.ptr, NULL, NULL, 0);
			buf_release(&b);
		}
		return prof_add_location(p, 0, 0, &line, 1);
	}
	return sym_location(r->sym, p, maps_of(r, gen), addr, true);
}

const struct symbolizer *mem_report_symbolizer(const struct mem_report *r)
{
	return r->sym;
}

struct profile *mem_report_profile(struct mem_report *r, const struct mem_run_info *run)
{
	struct profile *p = prof_new();
	uint32_t nst = mem_heap_nstacks(r->h);
	uint32_t *locs = xcalloc(MW_MAX_FRAMES + 1, sizeof(*locs));
	struct buf note = BUF_INIT;
	const struct mem_totals *t = totals(r);

	prof_add_sample_type(p, "alloc_objects", "count");
	prof_add_sample_type(p, "alloc_space", "bytes");
	prof_add_sample_type(p, "inuse_objects", "count");
	prof_add_sample_type(p, "inuse_space", "bytes");
	if (r->opts.leaks) {
		prof_add_sample_type(p, "leak_objects", "count");
		prof_add_sample_type(p, "leak_space", "bytes");
	}
	p->default_sample_type = prof_str(p, "inuse_space");
	prof_set_period(p, "space", "bytes", r->smp ? (int64_t)r->smp->rate : 1);
	p->time_nanos = run->start_unix_ns;
	p->duration_nanos = (int64_t)(run->duration * 1e9);
	buf_addf(&note, "redline mem: %s", run->command);
	prof_add_comment(p, note.ptr);
	buf_reset(&note);
	buf_addf(&note, "inuse_* = live at the peak (%" PRIu64 " bytes at %.6f s), not at exit",
		 t->peak_bytes, (double)mem_heap_time_of(r->h, t->peak_seq) / 1e9);
	prof_add_comment(p, note.ptr);
	if (r->opts.leaks)
		prof_add_comment(p, run->attached_pid
					    ? "leak_* = allocated while attached (redline mem -p) and "
					      "still live at the end of it"
					    : run->exited ? "leak_* = still live when the program exited"
							  : "leak_* = still live when the program was killed");
	buf_reset(&note);
	if (r->smp) {
		/* What a sample stands for is in the values already: the period says how they came. */
		buf_addf(&note, "sampled: one allocation per %" PRIu64 " bytes allocated, on average "
			 "(seed %" PRIu64 ", %" PRIu64 " samples); every value is an estimate, "
			 "each sample of s bytes weighted by 1 / (1 - exp(-s / %" PRIu64 "))",
			 (uint64_t)r->smp->rate, run->sample_seed, r->smp->samples,
			 (uint64_t)r->smp->rate);
		prof_add_comment(p, note.ptr);
		buf_reset(&note);
		buf_addf(&note, "standard errors: alloc_space %.1f %%, inuse_space %.1f %%, "
			 "leak_space %.1f %% (of the totals)",
			 100 * rel_error(r->smp->est.bytes, r->smp->var.bytes),
			 100 * rel_error(r->smp->est.peak_bytes, r->smp->var.peak_bytes),
			 100 * rel_error(r->smp->est.live_bytes, r->smp->var.live_bytes));
		prof_add_comment(p, note.ptr);
		buf_reset(&note);
	}

	/* The program first: go tool pprof names a profile after its first mapping. */
	if (maps_of(r, 0) && sym_maps_main(maps_of(r, 0)))
		sym_add_mapping(r->sym, p, maps_of(r, 0), sym_maps_main(maps_of(r, 0)));
	for (uint32_t s = 0; s < nst; s++) {
		const struct mem_stack_stats *st = mem_heap_stack(r->h, s);
		const struct mem_stack *stk = mem_trace_stack(r->t, s);
		int64_t values[6];
		size_t n = 0;

		if (!st || (!st->allocs && !st->peak && !st->live))
			continue;
		if (stk && stk->frames) {
			for (uint32_t i = 0; i < stk->nframes; i++) {
				struct addr_entry *e = addr_entry(r, stk->gen, stk->frames[i]);

				if (!e->loc)
					e->loc = profile_location(r, p, stk->gen, stk->frames[i]);
				locs[n++] = e->loc;
			}
		}
		if (!n) {
			struct prof_line line = { 0, 0, 0 };

			line.function = prof_add_function(p, "[stack not received]", NULL, NULL, 0);
			locs[n++] = prof_add_location(p, 0, 0, &line, 1);
		}
		if (r->smp) {
			const struct mem_estimate *e = mem_heap_stack_est(r->h, s, NULL);

			values[0] = (int64_t)rounded(e->allocs);
			values[1] = (int64_t)rounded(e->bytes);
			values[2] = (int64_t)rounded(e->peak);
			values[3] = (int64_t)rounded(e->peak_bytes);
			values[4] = (int64_t)rounded(e->live);
			values[5] = (int64_t)rounded(e->live_bytes);
		} else {
			values[0] = (int64_t)st->allocs;
			values[1] = (int64_t)st->alloc_bytes;
			values[2] = (int64_t)st->peak;
			values[3] = (int64_t)st->peak_bytes;
			values[4] = (int64_t)st->live;
			values[5] = (int64_t)st->live_bytes;
		}
		/* A known start-up allocation is live at exit, but no leak. */
		if (r->known_stack[s])
			values[4] = values[5] = 0;
		prof_add_sample(p, locs, n, values, NULL, 0);
	}
	free(locs);
	buf_release(&note);
	return p;
}
