/* default_cluster.S - examples/cluster.json embedded in the binary, so that
 * `muster serve` with no cluster flag has a cluster to serve. */
    .section .rodata
    .global snapshot_default_json
    .global snapshot_default_len
    .balign 16
snapshot_default_json:
    .incbin "examples/cluster.json"
snapshot_default_end:
    .byte 0
    .balign 8
snapshot_default_len:
    .quad snapshot_default_end - snapshot_default_json
    .section .note.GNU-stack,"",@progbits
