#ifndef BASE_BANNED_H
#define BASE_BANNED_H

/*
 * Functions that are too easy to misuse. Included last by every
 * translation unit of redline (through the compiler's -include), so that
 * using one of them is a compile error that names the reason.
 *
 * Use instead: struct buf and buf_addf() (buf.h) for formatting into
 * memory, snprintf() into a fixed array when the size is known, memcpy()
 * with an explicit length.
 */

#define BANNED(func) sorry_##func##_is_banned_use_buf_or_snprintf

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef strtok_r
#define strtok_r(x, y, z) BANNED(strtok_r)

#undef sprintf
#undef vsprintf
#define sprintf(...) BANNED(sprintf)
#define vsprintf(...) BANNED(vsprintf)

#endif
