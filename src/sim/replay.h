/* replay.h - `muster replay FILE --policy P --cluster SNAP`: re-run the
 * callbacks `muster serve --record` wrote against another policy, offline,
 * and report per pod where the decisions differ: the node chosen before
 * (the recorded bind) and after (the best node of the new policy's filter
 * and 0..10 score among the nodes kube-scheduler offered), and the nodes
 * the two policies filtered differently.
 *
 * Each decision is judged in the state the original one saw: the replay
 * starts from SNAP and applies the recorded binds in order (the pods come
 * from the recorded /filter bodies).
 *
 * Gangs: when the new policy lists the gang filter, the replay keeps its
 * own gang table, in the recorded clock (each record's "time"): before
 * each record it runs the table's tick (serve ticks every 100 ms and after
 * each gang call), and each /filter goes through gang_filter_ctx as in
 * serve, so a gang is admitted and planned under the new policy when its
 * recorded call would have done it, and its members' "after" node is the
 * new plan's. The recorded binds still set the state (the gang table sees
 * the members bound where they really went). Held binds are not replayed:
 * only their answers are recorded. */
#ifndef MUSTER_SIM_REPLAY_H
#define MUSTER_SIM_REPLAY_H

#include "common.h"

#define REPLAY_LINE_MAX ((size_t)256 << 20)

struct replay_stats {
    uint64_t records, pods, moved, filtered_differently;
};

/* RET MU_OK (report written to out), MU_EINVAL (bad record: err names the
 * line), MU_EIO. */
int replay_run(const char *record_path, const char *policy_path,
               const char *cluster_path, FILE *out, struct replay_stats *st,
               char *err, size_t errlen);

#endif
