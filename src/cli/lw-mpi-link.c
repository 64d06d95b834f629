/* lw-mpi-link.c: point-to-point messages on one tag, in order (MPI does
 * not let two messages between the same ranks overtake each other). */
#include "config.h"

#include "lw-mpi-link.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib/gi18n-lib.h>

#define TAG_FORWARD 7

void
lw_mpi_link_init (LwMpiLink *link, MPI_Comm comm)
{
  *link = (LwMpiLink) { .comm = comm, .sending = { MPI_REQUEST_NULL, MPI_REQUEST_NULL } };
  MPI_Comm_rank (comm, &link->rank);
  MPI_Comm_size (comm, &link->size);
}

void
lw_mpi_link_clear (LwMpiLink *link)
{
  g_clear_pointer (&link->bcast, g_free);
  g_clear_pointer (&link->inbox, g_free);
  g_clear_pointer (&link->outbox[0], g_free);
  g_clear_pointer (&link->outbox[1], g_free);
}

G_NORETURN static void
abort_valist (const LwMpiLink *link, int status, const char *fmt, va_list args)
{
  fflush (stdout);
  fprintf (stderr, "layerwise-cli: rank %d: ", link->rank);
  vfprintf (stderr, fmt, args);
  fputc ('\n', stderr);
  fflush (stderr);
  MPI_Abort (link->comm, status);
  exit (status);
}

G_NORETURN void
lw_mpi_link_abort (const LwMpiLink *link, const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  abort_valist (link, EXIT_FAILURE, fmt, args);
}

G_NORETURN void
lw_mpi_link_abort_status (const LwMpiLink *link, int status, const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  abort_valist (link, status, fmt, args);
}

void
lw_mpi_link_check (const LwMpiLink *link, int rc, const char *what, int peer)
{
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;

  if (rc == MPI_SUCCESS)
    return;
  MPI_Error_string (rc, text, &len);
  if (peer >= 0)
    lw_mpi_link_abort (link, _("%s rank %d failed: %.*s"), what, peer, len, text);
  lw_mpi_link_abort (link, _("%s failed: %.*s"), what, len, text);
}

int
lw_mpi_link_agree (const LwMpiLink *link, int status)
{
  int worst = status;

  lw_mpi_link_check (link, MPI_Allreduce (&status, &worst, 1, MPI_INT, MPI_MAX, link->comm),
                     _("agreeing on the setup with the other ranks"), -1);
  return worst;
}

static void
replace_buffer (void **buffer, gsize *size, gsize bytes)
{
  g_free (*buffer);
  *buffer = bytes > 0 ? g_malloc0 (bytes) : NULL;
  if (size != NULL)
    *size = bytes;
}

void
lw_mpi_link_alloc (LwMpiLink *link, gsize bcast, gsize inbox, gsize outbox)
{
  replace_buffer (&link->bcast, &link->bcast_size, bcast);
  replace_buffer (&link->inbox, &link->inbox_size, inbox);
  replace_buffer (&link->outbox[0], NULL, outbox);
  replace_buffer (&link->outbox[1], NULL, outbox);
}

static void
check_message (const LwMpiLink *link, const void *message, gsize size, int from)
{
  g_autoptr (GError) error = NULL;

  if (!lw_wire_check (message, size, &link->expect, &error))
    lw_mpi_link_abort (link, _("malformed message from rank %d (%s)"), from, error->message);
}

const LwWireHeader *
lw_mpi_link_broadcast (LwMpiLink *link)
{
  const LwWireHeader *h = lw_wire_header (link->bcast);

  lw_mpi_link_check (link, MPI_Bcast (link->bcast, (int) link->bcast_size, MPI_BYTE, 0,
                                      link->comm),
                     _("receiving a broadcast from"), 0);
  if (link->rank != 0)
    {
      /* The buffer has a fixed size; the header says how much of it is
       * the message (checked against the buffer before it is trusted). */
      gsize claimed = h->magic == LW_WIRE_MAGIC && h->count <= link->expect.batch_size
                      && h->width <= link->expect.max_width
                      ? lw_wire_size (h->count, h->width) : link->bcast_size;

      check_message (link, link->bcast, MIN (claimed, link->bcast_size), 0);
    }
  return h;
}

void *
lw_mpi_link_take (LwMpiLink *link)
{
  guint k = link->next_outbox;

  lw_mpi_link_check (link, MPI_Wait (&link->sending[k], MPI_STATUS_IGNORE), _("sending to"),
                     link->rank + 1);
  return link->outbox[k];
}

void
lw_mpi_link_send (LwMpiLink *link, void *message)
{
  const LwWireHeader *h = lw_wire_header (message);
  guint k = link->next_outbox;

  g_assert (message == link->outbox[k]);
  lw_wire_seal (message);
  if (link->fault != LW_DISTRIBUTED_FAULT_NONE && link->rank == 1
      && h->kind == LW_WIRE_TRAIN && h->index == link->fault_step)
    {
      if (link->fault == LW_DISTRIBUTED_FAULT_DIE)
        raise (SIGKILL);
      lw_wire_data (message, h->count)[0] += 1.0f;
    }
  lw_mpi_link_check (link, MPI_Isend (message, (int) lw_wire_size (h->count, h->width),
                                      MPI_BYTE, link->rank + 1, TAG_FORWARD, link->comm,
                                      &link->sending[k]),
                     _("sending to"), link->rank + 1);
  link->next_outbox = 1 - k;
}

void
lw_mpi_link_flush (LwMpiLink *link)
{
  for (guint k = 0; k < 2; k++)
    lw_mpi_link_check (link, MPI_Wait (&link->sending[k], MPI_STATUS_IGNORE), _("sending to"),
                       link->rank + 1);
}

const LwWireHeader *
lw_mpi_link_receive (LwMpiLink *link)
{
  MPI_Status status;
  int rc, bytes = 0, klass = MPI_SUCCESS;

  rc = MPI_Recv (link->inbox, (int) link->inbox_size, MPI_BYTE, link->rank - 1, TAG_FORWARD,
                 link->comm, &status);
  if (rc != MPI_SUCCESS)
    MPI_Error_class (rc, &klass);
  if (klass == MPI_ERR_TRUNCATE)
    lw_mpi_link_abort (link, _("malformed message from rank %d (longer than the largest one, "
                         "%zu bytes)"), link->rank - 1, link->inbox_size);
  lw_mpi_link_check (link, rc, "receiving from", link->rank - 1);
  lw_mpi_link_check (link, MPI_Get_count (&status, MPI_BYTE, &bytes), _("receiving from"),
                     link->rank - 1);
  check_message (link, link->inbox, (gsize) bytes, link->rank - 1);
  return lw_wire_header (link->inbox);
}
