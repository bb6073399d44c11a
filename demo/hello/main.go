// Command hello is the demo's payload: a static binary compiled on the host
// and put into an image that holds nothing else.
package main

import (
	"fmt"
	"os"
)

func main() {
	name := "world"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	fmt.Printf("hello, %s, from a hod-built image\n", name)
}
