// Command go-latency is the go-nsq side of the latency comparison in bench/nsq-client.sh: it
// publishes one message at a time with go-nsq's Producer.Publish, which returns once nsqd has
// answered, and prints p50/p99/p999 in the RESULT format of io.kubefuncs.bench.NsqClientBench.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"time"

	"github.com/nsqio/go-nsq"
)

func main() {
	addr := flag.String("nsqd", "127.0.0.1:4150", "nsqd TCP address")
	topic := flag.String("topic", "lat", "topic to publish to")
	size := flag.Int("size", 200, "message size in bytes")
	seconds := flag.Float64("seconds", 5, "how long to measure")
	warmup := flag.Float64("warmup", 1, "how long to publish before measuring, to warmup-<topic>")
	name := flag.String("name", "go_lat", "prefix of the RESULT names")
	flag.Parse()

	p, err := nsq.NewProducer(*addr, nsq.NewConfig())
	if err != nil {
		log.Fatal(err)
	}
	p.SetLogger(log.New(os.Stderr, "", log.LstdFlags), nsq.LogLevelWarning)
	body := bytes.Repeat([]byte{'x'}, *size)

	warmEnd := time.Now().Add(time.Duration(*warmup * float64(time.Second)))
	for time.Now().Before(warmEnd) {
		if err := p.Publish("warmup-"+*topic, body); err != nil {
			log.Fatal(err)
		}
	}
	samples := make([]time.Duration, 0, 1<<16)
	end := time.Now().Add(time.Duration(*seconds * float64(time.Second)))
	for {
		t0 := time.Now()
		if !t0.Before(end) {
			break
		}
		if err := p.Publish(*topic, body); err != nil {
			log.Fatal(err)
		}
		samples = append(samples, time.Since(t0))
	}
	p.Stop()

	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	var sum time.Duration
	for _, s := range samples {
		sum += s
	}
	n := len(samples)
	log.Printf("%s: %d sequential publishes in %.1f s", *name, n, *seconds)
	result(*name+".p50_us", percentile(samples, 0.50))
	result(*name+".p99_us", percentile(samples, 0.99))
	result(*name+".p999_us", percentile(samples, 0.999))
	result(*name+".max_us", samples[n-1])
	result(*name+".mean_us", sum/time.Duration(n))
	fmt.Printf("RESULT %s.samples %d publishes\n", *name, n)
}

// percentile is the nearest-rank percentile of sorted samples, as in NsqClientBench.
func percentile(sorted []time.Duration, q float64) time.Duration {
	rank := int(float64(len(sorted))*q + 0.999999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

func result(name string, d time.Duration) {
	fmt.Printf("RESULT %s %.1f us\n", name, float64(d.Nanoseconds())/1e3)
}
