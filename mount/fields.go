package mount

import (
	"encoding/csv"
	"fmt"
	"strings"
)

// ParseFields parses a comma-separated KEY=VALUE list (--mount, --secret,
// --output, RUN --mount's form), fields quoted as in CSV when they hold a
// comma. Fields without "=" are flags (ro, readonly). It is the one parser
// of that form.
func ParseFields(spec string) (map[string]string, []string, error) {
	r := csv.NewReader(strings.NewReader(spec))
	r.LazyQuotes = true
	fields, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%q: %w", spec, err)
	}
	kv := map[string]string{}
	var flags []string
	for _, field := range fields {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			flags = append(flags, k)
			continue
		}
		kv[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return kv, flags, nil
}
