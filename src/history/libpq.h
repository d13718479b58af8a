#ifndef HISTORY_LIBPQ_H
#define HISTORY_LIBPQ_H

/*
 * libpq, loaded when a PostgreSQL store is first named (base/dynlib.h):
 * with its twenty dependencies it cost every command more than the rest of
 * redline's start-up. Include this instead of <libpq-fe.h>; the calls read
 * as libpq's manual writes them. dynlib_open(&libpq_lib) before the first.
 */
#include <libpq-fe.h>

#include "base/dynlib.h"
#include "sonames.h" /* generated: build/gen/ */

#define LIBPQ_FUNCS(X) \
	X(PQclear) \
	X(PQconnectdbParams) \
	X(PQconnectionNeedsPassword) \
	X(PQconninfoFree) \
	X(PQconninfoParse) \
	X(PQerrorMessage) \
	X(PQexec) \
	X(PQexecParams) \
	X(PQfinish) \
	X(PQfreemem) \
	X(PQgetResult) \
	X(PQgetisnull) \
	X(PQgetvalue) \
	X(PQntuples) \
	X(PQputCopyData) \
	X(PQputCopyEnd) \
	X(PQresultErrorField) \
	X(PQresultErrorMessage) \
	X(PQresultStatus) \
	X(PQsetNoticeProcessor) \
	X(PQstatus) \
	X(PQtransactionStatus) \
	X(PQunescapeBytea)

DYNLIB_DECLARE(libpq, LIBPQ_FUNCS)

#define PQclear (libpq_fns.PQclear)
#define PQconnectdbParams (libpq_fns.PQconnectdbParams)
#define PQconnectionNeedsPassword (libpq_fns.PQconnectionNeedsPassword)
#define PQconninfoFree (libpq_fns.PQconninfoFree)
#define PQconninfoParse (libpq_fns.PQconninfoParse)
#define PQerrorMessage (libpq_fns.PQerrorMessage)
#define PQexec (libpq_fns.PQexec)
#define PQexecParams (libpq_fns.PQexecParams)
#define PQfinish (libpq_fns.PQfinish)
#define PQfreemem (libpq_fns.PQfreemem)
#define PQgetResult (libpq_fns.PQgetResult)
#define PQgetisnull (libpq_fns.PQgetisnull)
#define PQgetvalue (libpq_fns.PQgetvalue)
#define PQntuples (libpq_fns.PQntuples)
#define PQputCopyData (libpq_fns.PQputCopyData)
#define PQputCopyEnd (libpq_fns.PQputCopyEnd)
#define PQresultErrorField (libpq_fns.PQresultErrorField)
#define PQresultErrorMessage (libpq_fns.PQresultErrorMessage)
#define PQresultStatus (libpq_fns.PQresultStatus)
#define PQsetNoticeProcessor (libpq_fns.PQsetNoticeProcessor)
#define PQstatus (libpq_fns.PQstatus)
#define PQtransactionStatus (libpq_fns.PQtransactionStatus)
#define PQunescapeBytea (libpq_fns.PQunescapeBytea)

#endif
