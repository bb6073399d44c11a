package short

import (
	"fmt"
	"strings"
	"time"

	"github.com/hodbuild/hod/container/state"

	"github.com/spf13/cobra"
)

type healthFlags struct {
	test                           string
	interval, timeout, startPeriod string
	retries                        int
}

func addHealthFlags(cmd *cobra.Command, h *healthFlags) {
	f := cmd.Flags()
	f.StringVar(&h.test, "healthcheck", "", `health check: "CMD ARG...", "CMD ["exec","form"]", "CMD-SHELL COMMAND" or "NONE" (docker format)`)
	f.StringVar(&h.interval, "healthcheck-interval", "", "time between health checks (e.g. 30s)")
	f.StringVar(&h.timeout, "healthcheck-timeout", "", "time a health check may take")
	f.StringVar(&h.startPeriod, "healthcheck-start-period", "", "time to wait before the first health check")
	f.IntVar(&h.retries, "healthcheck-retries", 0, "failures before the container is unhealthy")
}

// change returns the health check Change if --healthcheck was given. The
// durations are checked even without it, as buildah does.
func (h healthFlags) change(cmd *cobra.Command) (*state.Change, error) {
	hc := &state.HealthConfig{Retries: h.retries}
	for _, d := range []struct {
		flag, value string
		into        *time.Duration
	}{{"healthcheck-interval", h.interval, &hc.Interval}, {"healthcheck-timeout", h.timeout, &hc.Timeout}, {"healthcheck-start-period", h.startPeriod, &hc.StartPeriod}} {
		if d.value == "" {
			continue
		}
		var err error
		if *d.into, err = time.ParseDuration(d.value); err != nil {
			return nil, fmt.Errorf("parsing --%s %q: %w", d.flag, d.value, err)
		}
	}
	if !cmd.Flags().Changed("healthcheck") {
		return nil, nil
	}
	test, err := healthTest(h.test)
	if err != nil {
		return nil, err
	}
	if test == nil {
		ch := state.Healthcheck(nil)
		return &ch, nil
	}
	hc.Test = test
	ch := state.Healthcheck(hc)
	return &ch, nil
}

// healthTest parses Docker's HEALTHCHECK forms; nil means NONE.
func healthTest(text string) ([]string, error) {
	kind, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	switch strings.ToUpper(kind) {
	case "NONE":
		return nil, nil
	case "CMD-SHELL":
		return []string{"CMD-SHELL", rest}, nil
	case "CMD":
		argv, err := state.ParseCommand(rest, nil)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(strings.TrimSpace(rest), "[") {
			return append([]string{"CMD"}, argv...), nil
		}
		return []string{"CMD-SHELL", rest}, nil
	}
	return nil, fmt.Errorf("parse --healthcheck %q: want CMD ..., CMD-SHELL ... or NONE", text)
}
