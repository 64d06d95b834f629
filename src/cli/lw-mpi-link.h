/* lw-mpi-link.h: the MPI side of a distributed run — a rank's place in
 * the job, its message buffers, and sending, receiving and broadcasting
 * wire messages with every call checked.
 *
 * Any failure (an MPI error, a malformed message) prints one line naming
 * this rank and the peer, then MPI_Abort ends every rank of the job: no
 * rank is left waiting for a message that will not come. */
#pragma once

#include <mpi.h>
#include <glib.h>

#include "lw-cli-options.h"
#include "lw-wire.h"

G_BEGIN_DECLS

typedef struct {
  MPI_Comm comm;
  int rank, size;
  LwWireExpect expect;          /* of messages this rank receives */

  void *bcast;                  /* the broadcast phase's message */
  gsize bcast_size;
  void *inbox;                  /* from the rank below */
  gsize inbox_size;
  void *outbox[2];              /* to the rank above, filled in turn */
  MPI_Request sending[2];
  guint next_outbox;

  /* Test only: what rank 1 does wrong, at which training step. */
  LwDistributedFault fault;
  guint64 fault_step;
} LwMpiLink;

/* comm must report its errors (MPI_ERRORS_RETURN). */
void                lw_mpi_link_init       (LwMpiLink *link, MPI_Comm comm);
void                lw_mpi_link_clear      (LwMpiLink *link);

/* "layerwise-cli: rank R: " and the message on stderr; ends the job. */
G_NORETURN void     lw_mpi_link_abort      (const LwMpiLink *link, const char *fmt, ...)
                                           G_GNUC_PRINTF (2, 3);
/* The same, ending the job with status (e.g. 3: training diverged). */
G_NORETURN void     lw_mpi_link_abort_status (const LwMpiLink *link, int status,
                                              const char *fmt, ...) G_GNUC_PRINTF (3, 4);
/* Ends the job when rc is an error, saying what failed and with which
 * peer (-1: a collective). */
void                lw_mpi_link_check      (const LwMpiLink *link, int rc, const char *what,
                                            int peer);
/* The worst (largest) status of all ranks, on every rank. */
int                 lw_mpi_link_agree      (const LwMpiLink *link, int status);

/* Buffers for messages of up to these many bytes (0: none). */
void                lw_mpi_link_alloc      (LwMpiLink *link, gsize bcast, gsize inbox,
                                            gsize outbox);

/* Rank 0 sends link->bcast, sealed; the others receive it into
 * link->bcast and check it. */
const LwWireHeader *lw_mpi_link_broadcast  (LwMpiLink *link);
/* An outbox to fill, once its last message has gone. */
void               *lw_mpi_link_take       (LwMpiLink *link);
/* Seals the filled outbox and sends it to the next rank; returns at
 * once. */
void                lw_mpi_link_send       (LwMpiLink *link, void *message);
/* Until every message sent has gone. */
void                lw_mpi_link_flush      (LwMpiLink *link);
/* The next message from the rank below, checked, in link->inbox. */
const LwWireHeader *lw_mpi_link_receive    (LwMpiLink *link);

G_END_DECLS
