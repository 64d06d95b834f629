/* tsan-glib.c: tells ThreadSanitizer what GLib's locks order. Debian's
 * GLib is not instrumented, and on Linux GMutex and GCond are futexes
 * inside it: TSan sees neither the lock nor the wait, and every access a
 * GMutex guards would look like a race. Linked into the test programs of
 * a -Db_sanitize=thread build only, these take the place of GLib's
 * functions for our code (symbol interposition), call GLib's own, and mark
 * each lock as an acquire and each unlock as a release of the mutex. */
#include <dlfcn.h>
#include <glib.h>
#include <sanitizer/tsan_interface.h>

typedef void     (*MutexFn)    (GMutex *mutex);
typedef gboolean (*TrylockFn)  (GMutex *mutex);
typedef void     (*CondWaitFn) (GCond *cond, GMutex *mutex);

/* GLib's own function. Found on first use: the libraries' calls come here
 * too, some from their constructors before ours would run. Several threads
 * may look it up at once; they find the same pointer. */
static void *
glib_symbol (void **slot, const char *name)
{
  void *fn = __atomic_load_n (slot, __ATOMIC_ACQUIRE);

  if (G_UNLIKELY (fn == NULL))
    {
      fn = dlsym (RTLD_NEXT, name);
      if (fn == NULL)
        g_error ("tsan-glib: %s not found in GLib", name);
      __atomic_store_n (slot, fn, __ATOMIC_RELEASE);
    }
  return fn;
}

#define REAL(type, name) \
  ({ static void *slot; (type) glib_symbol (&slot, #name); })

void
g_mutex_lock (GMutex *mutex)
{
  REAL (MutexFn, g_mutex_lock) (mutex);
  __tsan_acquire (mutex);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  gboolean locked = REAL (TrylockFn, g_mutex_trylock) (mutex);

  if (locked)
    __tsan_acquire (mutex);
  return locked;
}

void
g_mutex_unlock (GMutex *mutex)
{
  __tsan_release (mutex);
  REAL (MutexFn, g_mutex_unlock) (mutex);
}

void
g_cond_wait (GCond *cond, GMutex *mutex)
{
  __tsan_release (mutex);
  REAL (CondWaitFn, g_cond_wait) (cond, mutex);
  __tsan_acquire (mutex);
}
