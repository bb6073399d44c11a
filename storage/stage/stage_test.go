package stage

import (
	"testing"

	"github.com/hodbuild/hod/storage/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }
