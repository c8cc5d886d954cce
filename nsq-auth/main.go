// Command nsq-auth is the auth server nsqd asks (--auth-http-address) which topics and channels
// a client that sent AUTH with a secret may publish to and subscribe to. The secrets and what
// they grant come from a JSON file (see README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// run serves until ctx is done and returns the exit code: 2 for bad flags or configuration, 1
// when the server fails.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	logger := log.New(stderr, "", log.LstdFlags)
	flags := flag.NewFlagSet("nsq-auth", flag.ContinueOnError)
	flags.SetOutput(stderr)
	listen := flags.String("listen-addr", ":4181", "`host:port` to serve on")
	configPath := flags.String("config", "/etc/nsq-auth/config.json", "the configuration `file`: identities, their secrets and authorizations")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "nsq-auth: unexpected argument %q\n", flags.Arg(0))
		return 2
	}
	config, err := loadConfig(*configPath)
	if err != nil {
		fmt.Fprintf(stderr, "nsq-auth: %v\n", err)
		return 2
	}
	h, err := newHandler(config, logger)
	if err != nil {
		fmt.Fprintf(stderr, "nsq-auth: %v\n", err)
		return 2
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "nsq-auth: --listen-addr: %v\n", err)
		return 2
	}
	// nsqd asks with a short GET and gives up after its --http-client-request-timeout (5 s by
	// default): nothing here needs long timeouts, and short ones bound what a slow client holds.
	server := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: logger}
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	logger.Printf("nsq-auth: serving %d identities on %s", len(config.Identities), ln.Addr())
	select {
	case err := <-served:
		logger.Printf("nsq-auth: %v", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdown); err != nil {
		logger.Printf("nsq-auth: stopping: %v", err)
		return 1
	}
	logger.Printf("nsq-auth: stopped")
	return 0
}
