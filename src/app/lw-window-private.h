/* lw-window-private.h: the window's insides, shared by the files it is
 * split into (lw-window.c: building it and showing snapshots;
 * lw-window-actions.c: its actions and keys; lw-window-files.c: banners
 * and run files; lw-window-presentation.c: presentation mode;
 * lw-window-timings.c: frame and benchmark figures), and what the UI
 * test looks at inside it.
 *
 * A -private.h is included only by the files of its own folder (here
 * src/app/) and by the tests of that code, never from another folder. */
#pragma once

#include "lw-charts.h"
#include "lw-controls-panel.h"
#include "lw-curves-page.h"
#include "lw-filters-page.h"
#include "lw-overview-page.h"
#include "lw-predictions-page.h"
#include "lw-choices.h"
#include "lw-similarity-page.h"
#include "lw-status-bar.h"
#include "lw-window.h"
#include "session/lw-session.h"
#include "widgets/lw-chart-view.h"

G_BEGIN_DECLS

/* The chart views the window draws into, on the pages: view_specs in
 * lw-window.c. */
#define LW_WINDOW_N_VIEWS 12

/* Timings, for --benchmark-seconds and LAYERWISE_DEBUG_TIMINGS
 * (lw-window-timings.c). */
typedef struct {
  double benchmark_seconds;   /* of training, then quit; 0: no benchmark */
  gboolean debug;             /* log the figures every few seconds */
  GdkFrameClock *frame_clock;
  gulong before_paint_id, after_paint_id;
  gint64 frame_start;         /* of the frame being painted; 0: none */
  gint64 max_frame_us;
  guint n_frames;
  gboolean started;           /* at the first published step */
  double elapsed0;            /* the run's training seconds then */
  double cpu0;                /* this (the UI) thread's CPU seconds then */
  gint64 wall0;
  guint64 samples0;
  gint64 last_log;
} LwWindowTimings;

struct _LwWindow
{
  GtkApplicationWindow parent_instance;

  /* Template. */
  GtkImage *play_icon;
  GtkLabel *play_label;
  GtkButton *play_button;
  GtkRevealer *sidebar;
  GtkWidget *sidebar_home;      /* the box the sidebar sits in beside the charts */
  GtkMenuButton *menu_button;
  GtkRevealer *key_numbers;
  GtkLabel *key_accuracy;
  GtkLabel *key_details;
  GtkRevealer *presentation_bar;
  GtkButton *bar_play_button;
  GtkImage *bar_play_icon;
  GtkLabel *bar_play_label;
  GtkMenuButton *bar_menu_button;
  LwControlsPanel *controls;
  GtkStack *stack;
  LwCurvesPage *curves_page;
  LwFiltersPage *filters_page;
  LwSimilarityPage *similarity_page;
  LwPredictionsPage *predictions_page;
  LwOverviewPage *overview_page;
  GtkRevealer *divergence_bar;
  GtkLabel *divergence_label;
  LwStatusBar *status;
  LwChartView *views[LW_WINDOW_N_VIEWS];
  char *descriptions[LW_N_CHARTS];  /* as last given to the views */
  gint64 last_described;
  GtkRevealer *file_banner;
  GtkWidget *file_banner_box;
  GtkLabel *file_banner_label;
  GtkWidget *file_banner_restore;
  GtkRevealer *presets_banner;
  GtkLabel *presets_banner_label;

  GSettings *settings;        /* the user's preferences, or NULL */
  LwSession *session;
  LwRunSettings pending;      /* what the next reset builds */
  char *preset_id;            /* the preset last chosen */
  LwPresetSets preset_sets;   /* what it set that a reset must not take from the live run */
  LwCharts *charts;
  gint snapshot_ready;        /* atomic: set by the worker's notify */
  guint tick_id;
  guint64 shown_serial;
  gint64 last_show;           /* frame time of the last snapshot shown */
  gint64 last_pictures;       /* ... and of the last pictures drawn */
  guint pictures_pending;     /* charts with a newer picture not drawn yet */
  int shown_state;            /* LwRunState, -1 before the first */
  guint64 shown_file_serial;  /* the last run-file report shown in the banner */
  char *recovered_path;       /* an autosave left by a crash, offered back; or NULL */
  gboolean owns_run_files;    /* this window set the crash marker and autosaves */
  guint banner_timeout_id;

  gboolean loss_log_scale;
  gboolean no_detach;         /* win.no-detach's state: the user's choice, then the engine's */
  int shown_no_detach;        /* the engine's, as last shown; -1 before a run */
  gboolean presentation;
  gboolean sidebar_before_presentation;
  guint bar_hide_id;
  gboolean pointer_on_bar;

  LwWindowTimings timings;
};

/* Shared between the window's files. */

/* lw-window-actions.c */

/* Presentation mode's bar stays this long after a key, to be read. */
#define LW_WINDOW_BAR_AFTER_KEY_MS 3000

/* Where GTK keeps a key of the shortcuts table (lw-window-actions.c). */
typedef enum {
  LW_KEY_APP,       /* an application accelerator: works wherever the focus is */
  LW_KEY_BINDING,   /* a binding of the window's class */
  LW_KEY_PLAIN,     /* a key with no modifier: the window's capture controller
                     * takes it unless the focus is an entry, slider or chart */
  LW_KEY_OTHER,     /* handled elsewhere, named beside its entry; listed only */
} LwKeyKind;

typedef struct {
  const char *action;   /* detailed action name; NULL for keys with none */
  const char *accels;   /* as the help overlay writes them: space-separated */
  LwKeyKind kind;
  const char *group;    /* its group in ui/gtk/help-overlay.ui, NULL if not there */
  const char *title;    /* its line there, untranslated */
} LwShortcut;

const LwShortcut *lw_window_get_shortcuts (guint *n_shortcuts);
void     lw_window_class_install_actions (GtkWidgetClass *widget_class);
void     lw_window_add_key_controller    (LwWindow *self);

/* lw-window-timings.c */
void     lw_window_timings_init   (LwWindow *self, double benchmark_seconds);
void     lw_window_timings_attach (LwWindow *self);   /* on realize */
void     lw_window_timings_detach (LwWindow *self);   /* on unrealize */
/* Starts measuring at the first step, logs, and ends a benchmark. */
void     lw_window_track_timings  (LwWindow *self, const LwSnapshot *snap);

/* lw-window-files.c */
void     lw_window_update_file_banner   (LwWindow *self, const LwSnapshot *snap);
/* Autosaves, and the offer of what a crash left behind. */
void     lw_window_start_run_files      (LwWindow *self);
void     lw_window_dismiss_banner       (LwWindow *self);
void     lw_window_show_presets_problem (LwWindow *self);
void     lw_window_dismiss_presets_banner (LwWindow *self);
void     lw_window_read_presets_again   (LwWindow *self);

/* lw-window-presentation.c */
/* Into or out of presentation mode, as self->presentation now says. */
void     lw_window_presentation_apply   (LwWindow *self);
void     lw_window_presentation_init    (LwWindow *self);
/* Presentation mode's large numbers, from snap. */
void     lw_window_update_key_numbers   (LwWindow *self, const LwSnapshot *snap);
void     lw_window_show_presentation_bar (LwWindow *self, guint ms);
void     lw_window_show_adjacent_page   (LwWindow *self, int delta);

/* lw-window.c */
void     lw_window_set_sidebar_visible  (LwWindow *self, gboolean visible);
/* The name of view i, e.g. "filters_probe" (lw_window_get_view). */
const char *lw_window_get_view_name     (guint i);
void     lw_window_refresh_views        (LwWindow *self, guint changed_charts);
void     lw_window_set_probe            (LwWindow *self, guint index);
/* The next run's settings, in the sidebar. */
void     lw_window_show_pending         (LwWindow *self);
void     lw_window_apply_preset         (LwWindow *self, const LwPreset *preset);

/* For the UI test. */

LwSession       *lw_window_get_session  (LwWindow *self);
/* The snapshot the views show now (borrowed), or NULL before the first. */
LwSnapshot      *lw_window_get_shown_snapshot (LwWindow *self);
LwControlsPanel *lw_window_get_controls (LwWindow *self);
LwCharts        *lw_window_get_charts   (LwWindow *self);
/* The strip that says training diverged, with its two buttons. */
GtkRevealer     *lw_window_get_divergence_bar (LwWindow *self);
/* A chart view by its template name, e.g. "filters_probe". */
GtkWidget       *lw_window_get_view     (LwWindow *self, const char *name);
/* The Curves page: its test-curve drop-down. */
LwCurvesPage    *lw_window_get_curves_page (LwWindow *self);
/* The Predictions page: its layer drop-down, hint and gallery clicks. */
LwPredictionsPage *lw_window_get_predictions_page (LwWindow *self);
/* The accessible description the chart's views were last given, or NULL. */
const char      *lw_window_get_description (LwWindow *self, LwChartId id);
/* Since the window opened: the longest chart draw, the longest frame
 * (layout, drawing and rendering) and the number of frames painted. */
void             lw_window_get_draw_stats (LwWindow *self, gint64 *max_chart_us,
                                           gint64 *max_frame_us, guint *n_frames);

/* What Save Run… and Open Run… do with the file chosen; the outcome shows
 * in the banner above the views. */
void             lw_window_save_run_to  (LwWindow *self, GFile *file);
void             lw_window_open_run_from (LwWindow *self, GFile *file);
/* The banner's text, or NULL while it is hidden; offers_restore (may be
 * NULL): whether it offers a crash's autosave back (win.restore-recovered). */
const char      *lw_window_get_banner   (LwWindow *self, gboolean *offers_restore);

G_END_DECLS
