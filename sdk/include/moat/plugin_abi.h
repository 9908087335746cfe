/*
 * moat plugin ABI: the only thing a plugin and the host share at run time.
 *
 * Plain C on purpose: a plugin built with another compiler, standard library
 * or Boost version must still load. Only C types and UTF-8 JSON strings cross
 * this boundary (see docs/plugin-abi.md).
 *
 * A plugin exports exactly one symbol, MOAT_PLUGIN_ENTRY_SYMBOL, which returns
 * a pointer to a static descriptor. The host checks the descriptor before it
 * calls anything else in it:
 *   - struct_size >= MOAT_DESCRIPTOR_MIN_SIZE (the fields of ABI 1.0),
 *   - abi_major == MOAT_ABI_MAJOR, abi_minor <= the host's MOAT_ABI_MINOR
 *     (abi_minor is the oldest host minor the plugin needs, see below),
 *   - id matches [a-z0-9][a-z0-9-]* and is unique among loaded plugins,
 *   - every required function (create, destroy, free_string, describe, probe)
 *     is non-NULL.
 * Every other function pointer is optional: NULL means "unsupported" (the
 * libvirt driver-table rule), and the host reports it as such.
 *
 * Growth rule: fields are only ever appended (minor bump). The host reads a
 * field only when struct_size covers it (MOAT_DESCRIPTOR_HAS), and an older
 * host never reads past the fields it knows, so every 1.x descriptor is safe
 * for every 1.x host. abi_minor therefore says which host a plugin *needs*,
 * not which SDK built it: every slot added since 1.0 is optional, so the C++
 * SDK sets 0 unless the plugin asks for more (MOAT_PLUGIN_MIN_HOST_MINOR in
 * plugin.hpp), and building against a newer SDK never raises it. build_info
 * names the SDK.
 */
#ifndef MOAT_PLUGIN_ABI_H
#define MOAT_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOAT_ABI_MAJOR 1
#define MOAT_ABI_MINOR 1

/* Versioned by name too, so a future ABI 2 can live beside ABI 1. */
#define MOAT_PLUGIN_ENTRY_SYMBOL "moat_plugin_entry_v1"

#if defined(__GNUC__)
#define MOAT_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define MOAT_PLUGIN_EXPORT
#endif

/* Status codes returned by every operation. */
typedef enum moat_status {
  MOAT_OK = 0,
  MOAT_E_UNSUPPORTED = 1, /* the plugin does not implement this */
  MOAT_E_INVALID = 2,     /* the request is malformed or violates policy */
  MOAT_E_UNAVAILABLE = 3, /* the runtime is not usable on this host */
  MOAT_E_NOT_FOUND = 4,   /* the sandbox / image / object does not exist */
  MOAT_E_CONFLICT = 5,    /* already exists, or in the wrong state */
  MOAT_E_FAILED = 6,      /* the operation ran and failed */
  MOAT_E_TIMEOUT = 7,     /* the operation did not finish in time */
  MOAT_E_INTERNAL = 8     /* a bug in the plugin (an escaped exception) */
} moat_status;

/* Log levels for moat_host_api.log (same order as spdlog's). */
typedef enum moat_log_level {
  MOAT_LOG_TRACE = 0,
  MOAT_LOG_DEBUG = 1,
  MOAT_LOG_INFO = 2,
  MOAT_LOG_WARN = 3,
  MOAT_LOG_ERROR = 4
} moat_log_level;

/*
 * Services the host offers a plugin, passed in at create(). Plugins never
 * link against host symbols (they are built with -z defs), so everything they
 * may call in the host goes through this table.
 */
typedef struct moat_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  void* ctx; /* opaque, passed back to each callback */
  void (*log)(void* ctx, int level, const char* plugin_id, const char* message);
  /* Non-zero once the host wants the plugin to stop early (Ctrl-C). */
  int (*cancelled)(void* ctx);
} moat_host_api;

typedef struct moat_plugin moat_plugin; /* a plugin instance, opaque to the host */

/*
 * The uniform operation signature: a JSON request in, a JSON response out.
 * On MOAT_OK, *response is the operation's result document (or NULL).
 * On any other status, *response is NULL or {"message": "..."} explaining it.
 * The host frees *response with the descriptor's free_string.
 */
typedef moat_status (*moat_op_fn)(moat_plugin* self, const char* request_json, char** response_json);

/*
 * ABI 1.1: where a streaming operation's output goes, chunk by chunk, as it
 * comes, so that neither side ever holds the whole of it. `write` is called
 * on the thread that runs the operation; stream 1 is stdout, 2 is stderr. A
 * non-zero return means the host stopped listening (its reader went away,
 * Ctrl-C): the plugin ends what it runs and returns.
 *
 * A write of size 0 (data may be NULL) writes nothing and only asks that
 * question. A plugin that may wait long without output to give (logs that
 * follow a quiet sandbox) asks every few hundred milliseconds, so that it
 * learns of a reader gone without waiting for the next line. Hosts answer
 * it as any write.
 */
typedef struct moat_output_sink {
  uint32_t struct_size;
  void* ctx;
  int (*write)(void* ctx, int stream, const char* data, size_t size);
} moat_output_sink;

/* An operation whose output goes to `sink` (the slots below say which). */
typedef moat_status (*moat_stream_op_fn)(moat_plugin* self, const char* request_json, const moat_output_sink* sink,
                                         char** response_json);

/*
 * ABI 1.1: what an interactive exec reads from the host, event by event:
 * the caller's input, its end, and the terminal's size.
 */
typedef enum moat_input_kind {
  MOAT_INPUT_DATA = 1,  /* `size` bytes of input, in the buffer */
  MOAT_INPUT_EOF = 2,   /* the input ended (stdin closed): close the command's */
  MOAT_INPUT_RESIZE = 3 /* the terminal is now `rows` x `cols` */
} moat_input_kind;

typedef struct moat_input_event {
  uint32_t kind; /* a moat_input_kind */
  uint32_t rows;
  uint32_t cols;
  size_t size;
} moat_input_event;

typedef struct moat_input_source {
  uint32_t struct_size;
  void* ctx;
  /* Waits at most timeout_ms for the next event; for DATA it copies at most
   * `cap` bytes into `buf`. Returns 1 with *event filled, 0 when nothing
   * came in time, -1 once the host stopped (Ctrl-C, its caller went away):
   * the plugin then ends the command. One thread at a time calls it. */
  int (*next)(void* ctx, moat_input_event* event, char* buf, size_t cap, int timeout_ms);
} moat_input_source;

/* An interactive operation: input from `input`, output to `sink`. */
typedef moat_status (*moat_interactive_op_fn)(moat_plugin* self, const char* request_json,
                                              const moat_input_source* input, const moat_output_sink* sink,
                                              char** response_json);

typedef struct moat_plugin_descriptor {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  const char* id;          /* e.g. "gvisor"; [a-z0-9][a-z0-9-]* */
  const char* version;     /* semantic version of the plugin */
  const char* description; /* one line */
  const char* build_info;  /* compiler, SDK version it was built against */

  /* ---- required ---- */
  /* config_json is the plugin's section of moat's configuration ({} if none).
   * Returns NULL on failure and sets *error (freed with free_string). */
  moat_plugin* (*create)(const moat_host_api* host, const char* config_json, char** error);
  void (*destroy)(moat_plugin* self);
  void (*free_string)(char* s);
  /* Declared capabilities and the options the plugin understands; no I/O. */
  moat_op_fn describe;
  /* Live availability check on this host: {"available":bool,"reason":...,"version":...}. */
  moat_op_fn probe;

  /* ---- optional sandbox lifecycle (NULL = unsupported) ---- */
  moat_op_fn sandbox_create;     /* SandboxSpec -> SandboxInfo */
  moat_op_fn sandbox_start;      /* {"name"} -> SandboxInfo */
  moat_op_fn sandbox_stop;       /* {"name","timeout_s"} */
  moat_op_fn sandbox_restart;    /* {"name","timeout_s"} */
  moat_op_fn sandbox_remove;     /* {"name"} */
  moat_op_fn sandbox_exec;       /* ExecRequest -> ExecResult */
  moat_op_fn sandbox_inspect;    /* {"name"} -> SandboxInfo */
  moat_op_fn sandbox_logs;       /* {"name"} -> {"stdout","stderr"} */
  moat_op_fn sandbox_list;       /* {} -> [SandboxInfo] */
  moat_op_fn network_connect;    /* {"name","network"} */
  moat_op_fn network_disconnect; /* {"name","network"} */

  /* ---- optional, ABI 1.1: what `moat gc` sweeps (NULL = unsupported) ---- */
  /* {} -> [ManagedObject]: every object this plugin's backend holds that
   * carries the label moat.managed=true (sandboxes, volumes, networks...). */
  moat_op_fn managed_list;
  /* ManagedObject (as listed) -> null: removes it, with what it holds. */
  moat_op_fn managed_remove;

  /* ---- optional, ABI 1.1: output streamed as it comes (NULL = unsupported:
   * the host falls back to sandbox_exec / sandbox_logs, which buffer) ---- */
  /* ExecRequest -> ExecResult whose stdout and stderr are empty. */
  moat_stream_op_fn sandbox_exec_stream;
  /* {"name","tail"?,"follow"?,"since"?} -> null; with follow, until the
   * sandbox stops or the sink says stop. */
  moat_stream_op_fn sandbox_logs_stream;

  /* ---- optional, ABI 1.1: engine networks moat makes (NULL = unsupported) ---- */
  /* NetworkSpec {"name","internal"?,"labels"?} -> NetworkInfo */
  moat_op_fn network_create;
  /* {"name"} -> null: only a network moat made, and no sandbox on it */
  moat_op_fn network_remove;
  /* {} -> [NetworkInfo]: the networks moat made on this plugin's backend */
  moat_op_fn network_list;

  /* ---- optional, ABI 1.1: snapshots (NULL = unsupported) ---- */
  /* {"name","snapshot"} -> SnapshotInfo: the sandbox's filesystem and the
   * volumes moat made for it (its workspace and home too) become a snapshot */
  moat_op_fn sandbox_snapshot;
  /* {"snapshot","spec":SandboxSpec} -> SandboxInfo: a new sandbox from it */
  moat_op_fn sandbox_restore;
  /* {} -> [SnapshotInfo]: this plugin's snapshots */
  moat_op_fn snapshot_list;
  /* {"name"} -> null: the snapshot and what it holds */
  moat_op_fn snapshot_remove;

  /* ---- optional, ABI 1.1: interactive exec (NULL = unsupported) ---- */
  /* ExecRequest with "tty"?, "rows"?, "cols"? -> ExecResult without output:
   * stdin from `input`, output to `sink` (with a TTY, all of it is stream 1). */
  moat_interactive_op_fn sandbox_exec_interactive;

  /* Room to grow without moving anything above; must be NULL. */
  void* reserved[4];
} moat_plugin_descriptor;

/* The fields a host of ABI 1.0 needs: everything up to and including probe. */
#define MOAT_DESCRIPTOR_MIN_SIZE (offsetof(moat_plugin_descriptor, probe) + sizeof(moat_op_fn))

/* True when a descriptor of the given struct_size carries `field`. */
#define MOAT_DESCRIPTOR_HAS(desc, field) \
  ((desc)->struct_size >= offsetof(moat_plugin_descriptor, field) + sizeof(((moat_plugin_descriptor*)0)->field))

/* The entry point each plugin exports (C linkage, default visibility).
 * The host passes its own ABI version so a plugin may refuse an old host
 * by returning NULL. */
typedef const moat_plugin_descriptor* (*moat_plugin_entry_fn)(uint32_t host_abi_major, uint32_t host_abi_minor);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MOAT_PLUGIN_ABI_H */
