; Installer hooks for the Windows setup (.exe, NSIS; tauri.windows.conf.json).
;
; Compose files (.yml, .yaml) offer the app under "Open with" (to invite a
; partner from a member's compose file) without ever becoming its default
; program: only the app's own "Applications" entry and the types' "Open with"
; lists are written, never a type's default value. The .ccsinvite type and the
; ccs: links are the bundler's own (bundle.fileAssociations, deep-link).
; MAINBINARYNAME and SHCTX (the current user's hive for a per-user install)
; come from Tauri's installer.nsi.

!macro NSIS_HOOK_POSTINSTALL
  WriteRegStr SHCTX "Software\Classes\Applications\${MAINBINARYNAME}.exe" "FriendlyAppName" "Community Cloud Storage"
  WriteRegStr SHCTX "Software\Classes\Applications\${MAINBINARYNAME}.exe\SupportedTypes" ".yml" ""
  WriteRegStr SHCTX "Software\Classes\Applications\${MAINBINARYNAME}.exe\SupportedTypes" ".yaml" ""
  WriteRegStr SHCTX "Software\Classes\Applications\${MAINBINARYNAME}.exe\shell\open\command" "" '"$INSTDIR\${MAINBINARYNAME}.exe" "%1"'
  WriteRegStr SHCTX "Software\Classes\.yml\OpenWithList\${MAINBINARYNAME}.exe" "" ""
  WriteRegStr SHCTX "Software\Classes\.yaml\OpenWithList\${MAINBINARYNAME}.exe" "" ""
!macroend

!macro NSIS_HOOK_POSTUNINSTALL
  DeleteRegKey SHCTX "Software\Classes\Applications\${MAINBINARYNAME}.exe"
  DeleteRegKey SHCTX "Software\Classes\.yml\OpenWithList\${MAINBINARYNAME}.exe"
  DeleteRegKey SHCTX "Software\Classes\.yaml\OpenWithList\${MAINBINARYNAME}.exe"
!macroend
