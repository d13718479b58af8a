#ifndef MEM_PRELOAD_PYTHON_H
#define MEM_PRELOAD_PYTHON_H

/*
 * The Python frame source (python.c): when the traced program is CPython
 * 3.8-3.13 (its symbols say so), install the frames hook that adds the
 * allocating thread's Python frames to each stack. Called once by the
 * preload library's set-up, with its recursion guard held. A no-op in any
 * other program.
 */
void redline_mem_python_init(void);
/* Attached again: every frame is to be named again to the new host. */
void redline_mem_python_forget(void);
/* This thread's memo of frames, from an earlier attach: forget it. */
void redline_mem_python_renew(void);

#endif
