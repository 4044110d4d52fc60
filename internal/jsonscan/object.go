package jsonscan

// Span is where a value sits in the text: Data[Start:End].
type Span struct{ Start, End int }

// Fields calls fn with each top-level key of the object in data and where its value
// sits, in order, checking every value as it skips it; fn returns false to stop early.
// It fails on anything but an object (whitespace around it allowed), and on text after
// it unless fn stopped. key is the key with its escapes decoded; it is a slice of data
// when the key has none, so reading keys allocates nothing (every event's payload is
// indexed so), and fn must copy it to keep it past data.
func Fields(data []byte, fn func(key []byte, value Span) bool) error {
	s := Scanner{Data: data}
	s.WS()
	if !s.Eat('{') {
		return s.Errorf("object expected")
	}
	s.WS()
	if !s.Eat('}') {
		for {
			s.WS()
			if s.Peek() != '"' {
				return s.Errorf("object key expected")
			}
			key, err := s.Key()
			if err != nil {
				return err
			}
			s.WS()
			if !s.Eat(':') {
				return s.Errorf("':' expected")
			}
			s.WS()
			start := s.Pos
			if err := s.Skip(); err != nil {
				return err
			}
			if !fn(key, Span{start, s.Pos}) {
				return nil
			}
			s.WS()
			if s.Eat('}') {
				break
			}
			if !s.Eat(',') {
				return s.Errorf("',' or '}' expected")
			}
		}
	}
	s.WS()
	if s.Pos != len(data) {
		return s.Errorf("text after the object")
	}
	return nil
}

// Field returns the raw value of key in the object data, reading only as far as that
// key, or nil when data is not an object, lacks the key or is malformed before it.
func Field(data []byte, key string) []byte {
	var raw []byte
	_ = Fields(data, func(k []byte, v Span) bool {
		if string(k) == key {
			raw = data[v.Start:v.End]
			return false
		}
		return true
	})
	return raw
}
