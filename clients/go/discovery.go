package kubefuncs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	nsq "github.com/nsqio/go-nsq"
)

const (
	// lookupPollInterval is how often a subscription asks nsqlookupd which nsqds have its topic,
	// plus jitter. A function subscribes on its own nsqd at once; this is how long an nsqd that
	// gets the topic later (a gateway on another node creating it) may wait for the function:
	// seconds, not go-nsq's minute, at one small request per replica per interval.
	lookupPollInterval = 5 * time.Second
	// nodesPollInterval is how often a caller asks nsqlookupd for every nsqd, for its return topic.
	nodesPollInterval = 15 * time.Second
	// directRetryInterval is how often a consumer without nsqlookupd retries its nsqd.
	directRetryInterval = 5 * time.Second
	// firstLookupRetry is how soon a round is tried again while the connector is not ready: no
	// nsqlookupd answered yet, or its own nsqd is not subscribed yet.
	firstLookupRetry = time.Second
	// emptyLookupPollInterval is how often nsqlookupd is asked while it lists no nsqd: a topic
	// exists only once something was published to it, and a function deployed before its first
	// request must not leave that request waiting for a full poll interval. Plus jitter.
	emptyLookupPollInterval = time.Second
	pollJitter              = 0.3
	dialTimeout             = time.Second
	lookupdTimeout          = 5 * time.Second
	// defaultMsgTimeout is nsqd's default msg_timeout, used when it cannot be asked.
	defaultMsgTimeout = 60 * time.Second
)

// connector keeps a go-nsq consumer connected to the nsqds it should consume from: for a
// subscription, the client's own nsqd and those nsqlookupd lists for the topic (/lookup?topic=);
// for a return topic, every nsqd nsqlookupd knows (/nodes), since it must be subscribed on all
// before a call goes out, or the one nsqd without nsqlookupd. It does the discovery itself,
// rather than go-nsq's lookupd mode, to know when the first round is done (ready) and to be able
// to subscribe on nodes that do not have the topic yet.
type connector struct {
	consumer  *nsq.Consumer
	nsqd      string
	lookupds  []string
	topic     string
	channel   string
	everyNode bool
	interval  time.Duration
	maxRDY    int
	logger    *log.Logger
	nsqds     *nsqds

	ready     chan struct{}
	readyOnce sync.Once
	// ownSubscribed: nsqd answered OK to a SUB of the topic and channel on the client's own nsqd,
	// so they exist there. A subscription is not ready before.
	ownSubscribed bool
	ctx           context.Context
	cancel        context.CancelFunc
	done          chan struct{}
	known         map[string]bool
	// listed is how many nsqds the last answered lookup listed.
	listed int
	// failing holds the nsqlookupds whose last lookup failed, so an outage is logged once.
	failing map[string]bool
}

func newConnector(consumer *nsq.Consumer, maxInFlight int, s *settings, topic, channel string, everyNode bool, nsqds *nsqds) *connector {
	ctx, cancel := context.WithCancel(context.Background())
	interval := s.lookupInterval
	if interval <= 0 {
		interval = lookupPollInterval
		if everyNode {
			interval = nodesPollInterval
		}
	}
	return &connector{
		consumer: consumer, nsqd: s.nsqd, lookupds: s.lookupdAddresses, topic: topic, channel: channel, everyNode: everyNode,
		interval: interval, maxRDY: maxInFlight, logger: s.logger, nsqds: nsqds,
		ready: make(chan struct{}), ctx: ctx, cancel: cancel, done: make(chan struct{}), known: map[string]bool{},
		failing: map[string]bool{},
	}
}

func (c *connector) start() { go c.run() }

// stop ends discovery and waits for a round in progress.
func (c *connector) stop() {
	c.cancel()
	<-c.done
}

func (c *connector) run() {
	defer close(c.done)
	for {
		answered := c.round()
		if answered && (c.everyNode || c.ownSubscribed) {
			c.readyOnce.Do(func() { close(c.ready) })
		}
		var wait time.Duration
		switch {
		case !c.isReady():
			wait = firstLookupRetry
		case len(c.lookupds) == 0:
			wait = directRetryInterval
		case c.listed == 0:
			// Nothing to consume from yet (for /nodes: no nsqd at all): ask again soon.
			wait = jittered(min(emptyLookupPollInterval, c.interval))
		default:
			wait = jittered(c.interval)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-c.ctx.Done():
			t.Stop()
			return
		}
	}
}

func jittered(d time.Duration) time.Duration {
	return d + time.Duration(rand.Float64()*pollJitter*float64(d))
}

func (c *connector) isReady() bool { return isDone(c.ready) }

// round connects to every nsqd that should be consumed from, and reports whether it knew which
// those are (nsqlookupd answered, or there is no nsqlookupd). As in the Java SDK, a round in
// which no nsqlookupd answered changes nothing.
func (c *connector) round() bool {
	var want []string
	if len(c.lookupds) > 0 {
		var answered bool
		want, answered = c.discover()
		if !answered {
			return false
		}
		c.listed = len(want)
	}
	// A subscription consumes from its own nsqd whatever nsqlookupd lists: subscribing creates
	// the topic and channel there, so what is published to that nsqd from then on is kept for it.
	if (len(c.lookupds) == 0 || !c.everyNode) && !slices.Contains(want, c.nsqd) {
		want = append(want, c.nsqd)
	}
	wanted := map[string]bool{}
	var wg sync.WaitGroup
	var added atomic.Bool
	for _, addr := range want {
		wanted[addr] = true
		c.known[addr] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.connect(addr) {
				added.Store(true)
			}
		}()
	}
	wg.Wait()
	// An nsqd nsqlookupd no longer lists: keep a live connection (its messages are still being
	// answered), but stop reconnecting to one that is gone.
	for addr := range c.known {
		if wanted[addr] || c.ctx.Err() != nil {
			continue
		}
		switch err := c.consumer.ConnectToNSQD(addr); {
		case err == nil:
			added.Store(true)
		case !errors.Is(err, nsq.ErrAlreadyConnected):
			_ = c.consumer.DisconnectFromNSQD(addr)
			delete(c.known, addr)
		}
	}
	if added.Load() {
		c.shareRDY()
	}
	return true
}

// connect subscribes on addr unless already subscribed there; it reports a new connection.
func (c *connector) connect(addr string) bool {
	if c.ctx.Err() != nil {
		return false
	}
	err := c.nsqds.check(addr)
	if err == nil {
		err = explain(c.consumer.ConnectToNSQD(addr))
	}
	added := err == nil
	if added || errors.Is(err, nsq.ErrAlreadyConnected) {
		err = nil
		if addr == c.nsqd && !c.everyNode && !c.ownSubscribed {
			// go-nsq sends SUB without waiting for nsqd's answer; a SUB of our own, answered,
			// tells that the topic and channel exist.
			if err = c.nsqds.subscribe(addr, c.topic, c.channel); err == nil {
				c.ownSubscribed = true
			}
		}
	}
	if err != nil && c.ctx.Err() == nil {
		c.logger.Printf("kubefuncs: cannot subscribe to %s on nsqd %s: %v", c.topic, addr, err)
	}
	return added
}

// shareRDY gives every connection its share of max-in-flight at once. When go-nsq adds a
// connection, it updates the RDY counts of all connections in random order; if the new one comes
// before those holding the whole max-in-flight, it gets RDY 0 and a retry 5 s later, so messages
// on that nsqd (an answer to a call, say) would wait 5 s. Updating all connections again, once
// with max-in-flight + 1 and once with the real value, always succeeds: the first pass lowered
// every connection to at most its share.
func (c *connector) shareRDY() {
	c.consumer.ChangeMaxInFlight(c.maxRDY + 1)
	c.consumer.ChangeMaxInFlight(c.maxRDY)
}

// discover asks every nsqlookupd and returns the union of the nsqds they list.
func (c *connector) discover() (addrs []string, answered bool) {
	seen := map[string]bool{}
	for _, lookupd := range c.lookupds {
		var nodes []string
		var err error
		if c.everyNode {
			nodes, err = lookupdNodes(c.ctx, lookupd, "/nodes")
		} else {
			nodes, err = lookupdNodes(c.ctx, lookupd, "/lookup?topic="+url.QueryEscape(c.topic))
		}
		if err != nil {
			if c.ctx.Err() == nil && !c.failing[lookupd] {
				c.logger.Printf("kubefuncs: lookup of topic %s failed: %v", c.topic, err)
			}
			c.failing[lookupd] = true
			continue
		}
		if c.failing[lookupd] {
			delete(c.failing, lookupd)
			c.logger.Printf("kubefuncs: nsqlookupd %s answers again", lookupd)
		}
		answered = true
		for _, n := range nodes {
			if !seen[n] {
				seen[n] = true
				addrs = append(addrs, n)
			}
		}
	}
	return addrs, answered
}

var lookupdHTTP = &http.Client{Timeout: lookupdTimeout}

// lookupdNodes GETs path from nsqlookupd and returns the TCP addresses of the producers in the
// answer. A 404 of /lookup (topic unknown) is an empty answer.
func lookupdNodes(ctx context.Context, lookupd, path string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+lookupd+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vnd.nsq; version=1.0")
	resp, err := lookupdHTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("nsqlookupd %s did not answer: %w", lookupd, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("nsqlookupd %s: %w", lookupd, err)
	}
	if resp.StatusCode == http.StatusNotFound && path != "/nodes" {
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("nsqlookupd %s answered GET %s with HTTP %d: %s", lookupd, path, resp.StatusCode, body)
	}
	var answer struct {
		Producers []struct {
			BroadcastAddress string `json:"broadcast_address"`
			TCPPort          int    `json:"tcp_port"`
		} `json:"producers"`
		Data *json.RawMessage `json:"data"` // nsqlookupd before 1.0 wraps the answer
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, fmt.Errorf("nsqlookupd %s answered GET %s with a body that is not JSON", lookupd, path)
	}
	if answer.Data != nil {
		if err := json.Unmarshal(*answer.Data, &answer); err != nil {
			return nil, fmt.Errorf("nsqlookupd %s answered GET %s with a body that is not JSON", lookupd, path)
		}
	}
	var addrs []string
	for _, p := range answer.Producers {
		addrs = append(addrs, net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.TCPPort)))
	}
	return addrs, nil
}
