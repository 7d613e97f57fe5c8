package lb

import "testing"

func TestTried(t *testing.T) {
	tests := []struct {
		name  string
		added []int
		probe []int // not added
	}{
		{"empty", nil, []int{0, 1}},
		{"inline", []int{4, 0, 7}, []int{1, 5, 8}},
		{"inline full", []int{0, 1, 2, 3, 4, 5, 6, 7}, []int{8, 9}},
		{"past inline", []int{20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 3, 2, 1, 0}, []int{4, 9, 21}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tr Tried
			for _, i := range tc.added {
				tr.Add(i)
			}
			if got := tr.Len(); got != len(tc.added) {
				t.Errorf("Len() = %d; want %d", got, len(tc.added))
			}
			for _, i := range tc.added {
				if !tr.Has(i) {
					t.Errorf("Has(%d) = false; want true", i)
				}
			}
			for _, i := range tc.probe {
				if tr.Has(i) {
					t.Errorf("Has(%d) = true; want false", i)
				}
			}
			tr.Reset()
			if got := tr.Len(); got != 0 {
				t.Errorf("after Reset: Len() = %d; want 0", got)
			}
			for _, i := range tc.added {
				if tr.Has(i) {
					t.Errorf("after Reset: Has(%d) = true; want false", i)
				}
			}
		})
	}
}

func TestTriedNil(t *testing.T) {
	var tr *Tried
	if tr.Has(0) {
		t.Error("nil Has(0) = true; want false")
	}
	if got := tr.Len(); got != 0 {
		t.Errorf("nil Len() = %d; want 0", got)
	}
}

// TestTriedReuse checks that a Tried reset after growing past its inline
// capacity records the same entries again correctly.
func TestTriedReuse(t *testing.T) {
	var tr Tried
	for i := range 12 {
		tr.Add(i)
	}
	tr.Reset()
	for i := 100; i < 112; i++ {
		tr.Add(i)
	}
	for i := range 12 {
		if tr.Has(i) {
			t.Errorf("Has(%d) = true after Reset; want false", i)
		}
		if !tr.Has(100 + i) {
			t.Errorf("Has(%d) = false; want true", 100+i)
		}
	}
	if got := tr.Len(); got != 12 {
		t.Errorf("Len() = %d; want 12", got)
	}
}
