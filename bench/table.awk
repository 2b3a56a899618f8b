# table.awk - turns bench/load's RESULT/PARSE lines (prefixed TARGET=name by
# run.sh) into the markdown table of bench/out/latest.md.
function t(us) {
    if (us == "") return "-"
    us += 0
    if (us >= 1000000) return sprintf("%.2f s", us / 1000000)
    if (us >= 10000) return sprintf("%.1f ms", us / 1000)
    if (us >= 1000) return sprintf("%.2f ms", us / 1000)
    return sprintf("%d µs", us)
}
function fmt_cps(v) {
    if (v == "") return "-"
    v += 0
    return v >= 100 ? sprintf("%d", v + 0.5) : sprintf("%.1f", v)
}
function kb(b) {
    b += 0
    if (b < 1024) return sprintf("%d B", b)
    if (b >= 1048576) return sprintf("%.1f MB", b / 1048576)
    return sprintf("%.0f KB", b / 1024)
}
{
    delete f
    for (i = 1; i <= NF; i++) {
        split($i, kv, "=")
        f[kv[1]] = substr($i, length(kv[1]) + 2)
    }
    tgt = f["TARGET"]
}
$2 == "RESULT" {
    k = f["label"] SUBSEP f["verb"]
    if (!(k in seen)) { seen[k] = 1; order[++n] = k }
    p50[k, tgt] = f["p50_us"]; p99[k, tgt] = f["p99_us"]
    cps[k, tgt] = f["calls_per_s"]; bytes[k] = f["body_bytes"]
    kept[k, tgt] = f["kept"]; nodes[k] = f["nodes"]
}
$2 == "PARSE" && !(f["label"] in pbytes) {
    plabel[++np] = f["label"]; pbytes[f["label"]] = f["bytes"]
    parse[f["label"]] = f["parse_p50_us"]; del[f["label"]] = f["delete_p50_us"]
}
END {
    print "| scenario | verb | body | muster p50 | muster p99 | muster calls/s | floor p50 | floor p99 | floor calls/s | ratio p50 |"
    print "|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; i++) {
        k = order[i]; split(k, lv, SUBSEP)
        m = p50[k, "muster"]; fl = p50[k, "floor"]
        r = (m != "" && fl + 0 > 0) ? sprintf("%.2f", m / fl) : "-"
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", lv[1], lv[2], kb(bytes[k]), t(m), t(p99[k, "muster"]), fmt_cps(cps[k, "muster"]), t(fl), t(p99[k, "floor"]), fmt_cps(cps[k, "floor"]), r
        if (m != "" && lv[2] == "filter" && kept[k, "muster"] != nodes[k])
            note = note sprintf("\nmuster's filter kept %s of %s nodes in %s (the floor keeps all).", kept[k, "muster"], nodes[k], lv[1])
    }
    if (note != "") print note
    print ""
    for (i = 1; i <= np; i++) {
        l = plabel[i]
        printf "Parse only, %s body (%s): cJSON_Parse %s, cJSON_Delete %s.\n", l, kb(pbytes[l]), t(parse[l]), t(del[l])
    }
}
