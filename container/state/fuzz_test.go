package state

import "testing"

// No --port or --stop-signal value panics the checks.
func FuzzCheckPortAndSignal(f *testing.F) {
	for _, s := range []string{"80", "80/tcp", "1-2/udp", "SIGTERM", "9", "SIGRTMIN+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = CheckPort(s)
		_ = CheckStopSignal(s)
	})
}
