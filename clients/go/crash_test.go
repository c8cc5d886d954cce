package kubefuncs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/types/known/wrapperspb"

	client "github.com/kubefuncs/kubefuncs/clients/go"
	"github.com/kubefuncs/kubefuncs/clients/go/internal/nsqtest"
)

// What docs/delivery.md promises about an nsqd crash, checked as the Java NsqdCrashTest does: a
// real nsqd killed with SIGKILL while events are published concurrently (what the gateway does
// before answering 202). With the default settings a crash loses what nsqd held in memory, at
// most --mem-queue-size events per topic and per channel; with --mem-queue-size=0 it loses no
// accepted event.

const crashMemQueueSize = 1000

func TestACrashLosesAtMostWhatNsqdHeldInMemory(t *testing.T) {
	t.Parallel()
	accepted, survivors := crashUnderLoad(t, crashMemQueueSize)
	lost := lostOf(accepted, survivors)
	t.Logf("--mem-queue-size=%d: %d of %d accepted events lost", crashMemQueueSize, lost, len(accepted))
	if lost == 0 || lost > 2*crashMemQueueSize || lost == len(accepted) {
		t.Errorf("%d of %d accepted events lost, want some, at most %d", lost, len(accepted), 2*crashMemQueueSize)
	}
}

func TestWithMemQueueSizeZeroACrashLosesNoAcceptedEvent(t *testing.T) {
	t.Parallel()
	accepted, survivors := crashUnderLoad(t, 0)
	lost := lostOf(accepted, survivors)
	t.Logf("--mem-queue-size=0: %d of %d accepted events lost", lost, len(accepted))
	if lost != 0 {
		t.Errorf("%d of %d accepted events lost, want none", lost, len(accepted))
	}
}

func lostOf(accepted, survivors map[string]bool) int {
	lost := 0
	for id := range accepted {
		if !survivors[id] {
			lost++
		}
	}
	return lost
}

// crashUnderLoad publishes from 200 goroutines until 3*crashMemQueueSize events are accepted,
// kills nsqd with SIGKILL while the load goes on, restarts it on the same data, and consumes
// what it still has. It returns the events accepted before the crash and those consumed after.
func crashUnderLoad(t *testing.T, memQueueSize int) (accepted, survivors map[string]bool) {
	const topic = "crash"
	nsqd := nsqtest.StartNsqd(t, nil, fmt.Sprint("--mem-queue-size=", memQueueSize))
	// The function's channel exists, as it does once a function has subscribed.
	nsqd.CreateTopic(t, topic)
	nsqd.Post(t, "/channel/create?topic="+topic+"&channel=default", nil)
	c := newClient(t, prometheus.NewRegistry(), client.WithNsqdURL(nsqd.TCPAddr))

	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var load sync.WaitGroup
	for range 200 {
		load.Add(1)
		go func() {
			defer load.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ev, _ := client.NewEvent(topic, wrapperspb.String("event"))
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				if c.Emit(ctx, ev) == nil {
					mu.Lock()
					acked[ev.GetId()] = true
					mu.Unlock()
				}
				cancel()
			}
		}()
	}
	nsqtest.Eventually(t, 30*time.Second, "3000 events accepted", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 3*crashMemQueueSize
	})
	// nsqd finds a disk queue again after a crash through its metadata file, written at its
	// first sync (--sync-every 2500 messages, --sync-timeout 2 s): the promise is about queues
	// nsqd has synced once, which is every queue but one in its first seconds.
	nsqtest.Eventually(t, 10*time.Second, "every disk queue synced once", func() bool { return diskQueuesSynced(t, nsqd.DataPath()) })
	mu.Lock()
	accepted = make(map[string]bool, len(acked))
	for id := range acked {
		accepted[id] = true
	}
	mu.Unlock()
	nsqd.Kill()
	close(stop)
	load.Wait()
	nsqd = nsqd.Restart(t)

	survivors = map[string]bool{}
	sub, err := c.On(topic, "default", client.HandlerFunc(func(ev *client.Message) error {
		mu.Lock()
		survivors[ev.ID()] = true
		mu.Unlock()
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ready(t, sub)
	nsqtest.Eventually(t, 30*time.Second, "every surviving event consumed", func() bool {
		tp := nsqd.Topic(t, topic)
		ch := nsqd.Channel(t, topic, "default")
		return tp != nil && tp.Depth == 0 && ch != nil && ch.Depth == 0 && ch.InFlightCount == 0 && ch.DeferredCount == 0
	})
	mu.Lock()
	defer mu.Unlock()
	return accepted, survivors
}

var diskQueueData = regexp.MustCompile(`^(.+)\.diskqueue\.\d{6}\.dat$`)

// diskQueuesSynced reports whether every disk queue nsqd has written to has its metadata file.
func diskQueuesSynced(t *testing.T, dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	queues := 0
	for _, e := range entries {
		m := diskQueueData.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		queues++
		if _, err := os.Stat(filepath.Join(dir, m[1]+".diskqueue.meta.dat")); err != nil {
			return false
		}
	}
	return queues > 0
}
