;; profiles: 3.0 2.0
;;
;; Annotations (the annotations proposal, folded into the text format of
;; Wasm 3.0): a @custom annotation stands only at a module's top level.  Its
;; content is optional to interpret, so, as in the official custom/ scripts,
;; this is assert_malformed_custom: an engine that accepts the module is
;; unsupported here, not wrong.  (In a file of its own: wast2json does not
;; know the command, and would take the other assertions of a file with it.)

(assert_malformed_custom (module quote "(func (@custom \"x\"))") "misplaced @custom annotation")
