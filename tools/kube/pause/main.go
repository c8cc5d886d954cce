// Command pause is the sandbox ("pause") container of the throwaway cluster that scripts/kube
// runs: it holds a pod's namespaces open, reaps the zombies of processes that share its PID
// namespace, and exits on SIGTERM or SIGINT. No image can be pulled on the machines this runs on,
// so the cluster builds its own instead of using registry.k8s.io/pause.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
