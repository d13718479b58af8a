#ifndef LOAD_LIBSSL_H
#define LOAD_LIBSSL_H

/*
 * OpenSSL's libssl (and, through it, libcrypto), loaded when a load test
 * first talks TLS (base/dynlib.h): only 'redline load https://...' needs
 * it. Include this instead of <openssl/ssl.h> and <openssl/err.h>; the
 * calls read as OpenSSL's manual writes them (its macros too, such as
 * SSL_CTX_set_mode, which call the functions below).
 * dynlib_load(&libssl_lib) before the first.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/dynlib.h"
#include "sonames.h" /* generated: build/gen/ */

#define LIBSSL_FUNCS(X) \
	X(ERR_clear_error) \
	X(SSL_CTX_ctrl) \
	X(SSL_CTX_free) \
	X(SSL_CTX_new) \
	X(SSL_CTX_set_verify) \
	X(SSL_ctrl) \
	X(SSL_do_handshake) \
	X(SSL_free) \
	X(SSL_get_error) \
	X(SSL_new) \
	X(SSL_read) \
	X(SSL_set_connect_state) \
	X(SSL_set_fd) \
	X(SSL_write) \
	X(TLS_client_method)

DYNLIB_DECLARE(libssl, LIBSSL_FUNCS)

#define ERR_clear_error (libssl_fns.ERR_clear_error)
#define SSL_CTX_ctrl (libssl_fns.SSL_CTX_ctrl)
#define SSL_CTX_free (libssl_fns.SSL_CTX_free)
#define SSL_CTX_new (libssl_fns.SSL_CTX_new)
#define SSL_CTX_set_verify (libssl_fns.SSL_CTX_set_verify)
#define SSL_ctrl (libssl_fns.SSL_ctrl)
#define SSL_do_handshake (libssl_fns.SSL_do_handshake)
#define SSL_free (libssl_fns.SSL_free)
#define SSL_get_error (libssl_fns.SSL_get_error)
#define SSL_new (libssl_fns.SSL_new)
#define SSL_read (libssl_fns.SSL_read)
#define SSL_set_connect_state (libssl_fns.SSL_set_connect_state)
#define SSL_set_fd (libssl_fns.SSL_set_fd)
#define SSL_write (libssl_fns.SSL_write)
#define TLS_client_method (libssl_fns.TLS_client_method)

#endif
