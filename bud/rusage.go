package bud

import (
	"fmt"
	"io"
	"syscall"
	"time"

	units "github.com/docker/go-units"
)

// rusage is the resource use of hod's finished children (RUN commands and
// their runtimes): what buildah's --log-rusage reports per step.
type rusage struct {
	at                time.Time
	user, system      time.Duration
	inblock, outblock int64
}

func getRusage() rusage {
	var r syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &r)
	return rusage{at: time.Now(), user: time.Duration(r.Utime.Nano()), system: time.Duration(r.Stime.Nano()),
		inblock: r.Inblock, outblock: r.Oublock}
}

// logRusage writes the use since *last in buildah's format
// ("1ms(system) 2ms(user) 3ms(elapsed) 0B input 4kB output") and moves
// *last on; w nil writes nothing.
func logRusage(w io.Writer, last *rusage) {
	if w == nil {
		return
	}
	now := getRusage()
	fmt.Fprintf(w, "%s(system) %s(user) %s(elapsed) %s input %s output\n",
		(now.system - last.system).Round(time.Millisecond), (now.user - last.user).Round(time.Millisecond),
		now.at.Sub(last.at).Round(time.Millisecond),
		units.HumanSize(float64((now.inblock-last.inblock)*512)), units.HumanSize(float64((now.outblock-last.outblock)*512)))
	*last = now
}
