//go:build tools

// Package tools pins the real NSQ programs that Kubefuncs tests and benchmarks run against.
// `go install github.com/nsqio/nsq/apps/nsqd@v1.3.0` does not work for this module: NSQ's own
// go.mod has a replace directive, which `go install pkg@version` refuses. Building inside this
// module, with the same replace, gives the binaries of the v1.3.0 release.
package tools

import (
	_ "github.com/nsqio/nsq/apps/nsq_stat"
	_ "github.com/nsqio/nsq/apps/nsq_tail"
	_ "github.com/nsqio/nsq/apps/nsqadmin"
	_ "github.com/nsqio/nsq/apps/nsqd"
	_ "github.com/nsqio/nsq/apps/nsqlookupd"
	_ "github.com/nsqio/nsq/apps/to_nsq"
	_ "github.com/nsqio/nsq/bench/bench_reader"
	_ "github.com/nsqio/nsq/bench/bench_writer"
)
