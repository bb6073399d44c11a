package rebase

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	ispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// mergeConfig is the rebased image's runtime configuration, a three-way
// merge: whatever img changed from old stays img's; whatever img left as
// old had it follows new. Environment variables, labels, exposed ports and
// volumes merge key by key (a key img removed stays removed); the other
// fields whole.
func mergeConfig(old, img, new ispec.ImageConfig) ispec.ImageConfig {
	out := img
	pick := func(o, i, n any) any {
		if reflect.DeepEqual(o, i) {
			return n
		}
		return i
	}
	out.User = pick(old.User, img.User, new.User).(string)
	out.WorkingDir = pick(old.WorkingDir, img.WorkingDir, new.WorkingDir).(string)
	out.StopSignal = pick(old.StopSignal, img.StopSignal, new.StopSignal).(string)
	out.Entrypoint = pick(old.Entrypoint, img.Entrypoint, new.Entrypoint).([]string)
	out.Cmd = pick(old.Cmd, img.Cmd, new.Cmd).([]string)
	out.Env = mergeEnv(old.Env, img.Env, new.Env)
	out.Labels = mergeMap(old.Labels, img.Labels, new.Labels)
	out.ExposedPorts = mergeMap(old.ExposedPorts, img.ExposedPorts, new.ExposedPorts)
	out.Volumes = mergeMap(old.Volumes, img.Volumes, new.Volumes)
	return out
}

// mergeMap merges per key: new's keys, less those img removed from old,
// with img's own values where it changed or added them.
func mergeMap[V any](old, img, new map[string]V) map[string]V {
	out := maps.Clone(new)
	for k, ov := range old {
		if _, kept := img[k]; !kept {
			delete(out, k)
		} else if !reflect.DeepEqual(ov, img[k]) {
			out[k] = img[k]
		}
	}
	for k, iv := range img {
		if _, inherited := old[k]; !inherited {
			if out == nil {
				out = map[string]V{}
			}
			out[k] = iv
		}
	}
	return out
}

// mergeEnv is mergeMap for KEY=VALUE lists, in new's order with img's
// additions after.
func mergeEnv(old, img, new []string) []string {
	split := func(env []string) (map[string]string, []string) {
		m, order := map[string]string{}, []string(nil)
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			if _, seen := m[k]; !seen {
				order = append(order, k)
			}
			m[k] = v
		}
		return m, order
	}
	om, _ := split(old)
	im, iorder := split(img)
	nm, norder := split(new)
	merged := mergeMap(om, im, nm)
	var out []string
	for _, k := range slices.Concat(norder, iorder) {
		if v, ok := merged[k]; ok {
			out = append(out, k+"="+v)
			delete(merged, k)
		}
	}
	return out
}
