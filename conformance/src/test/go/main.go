// Command interop checks that go-nsq, the reference NSQ client, works against a broker: it
// publishes through a Producer with PUB, MPUB and DPUB, then consumes through a Consumer that
// finds the nsqd by asking nsqlookupd, and exits 0 only if every message arrived exactly once and
// exactly as sent.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"sync"
	"time"

	"github.com/nsqio/go-nsq"
)

func main() {
	nsqdAddress := flag.String("nsqd-tcp-address", "", "nsqd TCP address to publish to (host:port)")
	lookupdAddress := flag.String("lookupd-http-address", "", "nsqlookupd HTTP address to discover nsqd with (host:port)")
	topic := flag.String("topic", "", "topic to publish to and consume from; use a fresh one")
	count := flag.Int("n", 30, "messages to publish, split over PUB, MPUB and DPUB")
	timeout := flag.Duration("timeout", 30*time.Second, "how long to wait for every message")
	flag.Parse()
	if *nsqdAddress == "" || *lookupdAddress == "" || *topic == "" || *count < 3 {
		log.Fatal("usage: interop -nsqd-tcp-address host:port -lookupd-http-address host:port -topic name [-n 3 or more]")
	}

	sent := bodies(*count)
	if err := publish(*nsqdAddress, *topic, sent); err != nil {
		log.Fatalf("FAIL: publishing: %v", err)
	}
	received, err := consume(*lookupdAddress, *topic, len(sent), *timeout)
	if err != nil {
		log.Fatalf("FAIL: consuming: %v", err)
	}
	if problems := compare(sent, received); len(problems) > 0 {
		for _, problem := range problems {
			log.Print(problem)
		}
		log.Fatalf("FAIL: %d of %d messages not received exactly once as sent", len(problems), len(sent))
	}
	fmt.Printf("OK: %d messages published with PUB, MPUB and DPUB, consumed exactly once through nsqlookupd\n", len(sent))
}

// bodies makes distinct messages with bytes that a careless broker would mangle: a newline, a
// NUL and a byte that is not UTF-8.
func bodies(count int) [][]byte {
	all := make([][]byte, count)
	for i := range all {
		all[i] = append([]byte(fmt.Sprintf("interop message %d", i)), '\n', 0, 0xff)
	}
	return all
}

// publish sends the first third with PUB, the second third in one MPUB and the rest with DPUB.
func publish(address, topic string, messages [][]byte) error {
	producer, err := nsq.NewProducer(address, nsq.NewConfig())
	if err != nil {
		return err
	}
	defer producer.Stop()
	producer.SetLogger(log.New(os.Stderr, "producer: ", log.LstdFlags), nsq.LogLevelWarning)

	third := len(messages) / 3
	for _, body := range messages[:third] {
		if err := producer.Publish(topic, body); err != nil {
			return fmt.Errorf("PUB: %w", err)
		}
	}
	if err := producer.MultiPublish(topic, messages[third:2*third]); err != nil {
		return fmt.Errorf("MPUB: %w", err)
	}
	for _, body := range messages[2*third:] {
		if err := producer.DeferredPublish(topic, 200*time.Millisecond, body); err != nil {
			return fmt.Errorf("DPUB: %w", err)
		}
	}
	return nil
}

// consume counts every body delivered to a fresh channel until want distinct bodies arrived.
func consume(lookupdAddress, topic string, want int, timeout time.Duration) (map[string]int, error) {
	config := nsq.NewConfig()
	config.MaxInFlight = 10
	// nsqd registers a topic with nsqlookupd asynchronously: look again soon if it is not there yet.
	config.LookupdPollInterval = 200 * time.Millisecond
	consumer, err := nsq.NewConsumer(topic, "interop", config)
	if err != nil {
		return nil, err
	}
	consumer.SetLogger(log.New(os.Stderr, "consumer: ", log.LstdFlags), nsq.LogLevelWarning)

	var mu sync.Mutex
	received := make(map[string]int)
	all := make(chan struct{})
	consumer.AddHandler(nsq.HandlerFunc(func(message *nsq.Message) error {
		mu.Lock()
		defer mu.Unlock()
		received[string(message.Body)]++
		if len(received) == want {
			close(all)
		}
		return nil
	}))
	if err := consumer.ConnectToNSQLookupd(lookupdAddress); err != nil {
		return nil, err
	}

	select {
	case <-all:
	case <-time.After(timeout):
		log.Printf("timed out after %s", timeout)
	}
	consumer.Stop()
	<-consumer.StopChan

	mu.Lock()
	defer mu.Unlock()
	return received, nil
}

func compare(sent [][]byte, received map[string]int) []string {
	var problems []string
	expected := make(map[string]bool, len(sent))
	for _, body := range sent {
		expected[string(body)] = true
		if n := received[string(body)]; n != 1 {
			problems = append(problems, fmt.Sprintf("%q received %d times", body, n))
		}
	}
	for body := range received {
		if !expected[body] {
			problems = append(problems, fmt.Sprintf("%q received but never sent", body))
		}
	}
	return problems
}
