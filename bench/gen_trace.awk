# gen_trace.awk - a synthetic DL-training trace in muster's canonical CSV,
# shaped like the ITP trace (../shared/data/README.md): mostly 1-8 GPU
# single-pod jobs, ~4% multi-node gangs of 8-GPU pods, log-normal-ish
# durations, Poisson arrivals. Deterministic for a given seed.
#   awk -v jobs=100000 -v seed=1 -v gap=30 -f bench/gen_trace.awk
BEGIN {
    if (jobs == "") jobs = 1000
    if (seed == "") seed = 1
    if (gap == "") gap = 30          # mean seconds between arrivals
    srand(seed)
    print "job_id,submit_time,num_pods,gpus_per_pod,duration,cpu_per_pod,memory_per_pod,priority,queue"
    t = 0
    for (i = 0; i < jobs; i++) {
        t += int(-gap * log(1 - rand()))
        r = rand()
        if (r < 0.20)      { pods = 1; g = 1 }
        else if (r < 0.32) { pods = 1; g = 2 }
        else if (r < 0.52) { pods = 1; g = 4 }
        else if (r < 0.96) { pods = 1; g = 8 }
        else if (r < 0.985) { pods = 2; g = 8 }
        else if (r < 0.996) { pods = 4; g = 8 }
        else               { pods = 8; g = 8 }
        d = int(exp(5 + 4 * rand())) + 1      # 150 s .. 8 h
        prio = (rand() < 0.1) ? 100 : 0
        q = (rand() < 0.6) ? "research" : "prod"
        printf "job-%06d,%d,%d,%d,%d,%d,%dGi,%d,%s\n", i, t, pods, g, d, g * 6, g * 48, prio, q
    }
}
